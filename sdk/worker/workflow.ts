import type { App } from '../core/app.js';
import { chainNodes, sendSignatureData } from '../core/canvas/send.js';
import { decodeSignatureData, type SignatureData, type TaskFailure } from '../core/canvas/signature-data.js';
import { ChordError, type StoredError } from '../core/errors.js';
import type { JsonValue } from '../core/json.js';
import type { Envelope } from '../core/protocol/envelope.js';
import { TaskState } from '../core/states.js';
import type { WorkerEvent } from './events.js';
import { toStoredError } from './stored-error.js';

/**
 * What the worker does for canvas after a task's outcome: send links (chains), join chords, send
 * errbacks, and record FAILURE on the tasks of a chain that will not run. Every signature sent here
 * has the id fixed when the workflow was sent, so sending it again (after a duplicate delivery)
 * makes no second run: the claim deduplicates it.
 */
export class WorkflowEffects {
  constructor(
    private readonly app: App,
    private readonly log: (event: WorkerEvent) => void,
  ) {}

  /**
   * Sends the task's links with its result. Called before the SUCCESS record, so a crash between
   * the two re-sends them (deduplicated) rather than losing them. Returns the ids sent.
   */
  async sendLinks(envelope: Envelope, result: JsonValue): Promise<string[]> {
    const lineage = { parentId: envelope.id, rootId: envelope.rootId ?? envelope.id };
    await Promise.all(envelope.links.map((link) => sendSignatureData(this.app, link, { value: result }, lineage)));
    return envelope.links.map((link) => link.id);
  }

  /**
   * Joins the task's chord after its SUCCESS record (and again on a duplicate delivery of a finished
   * member: the join is idempotent). The join that completes the chord sends the callback with the
   * members' results, in order.
   */
  async joinChord(envelope: Envelope): Promise<void> {
    if (envelope.chord === null) return;
    const backend = this.app.backend();
    const join = await this.app.coordination().joinChord(envelope.chord, envelope.id);
    if (!join) {
      this.log({
        type: 'error',
        messageId: envelope.id,
        error: { type: 'ChordError', message: `Chord ${envelope.chord} is unknown (expired?): its callback cannot be sent` },
      });
      return;
    }
    if (join.joined < join.members.length) return;
    const records = await Promise.all(join.members.map((id) => backend.get(id)));
    const results = records.map((record) => record?.result ?? null);
    const callback = decodeSignatureData(join.callback, 'chord.callback');
    await sendSignatureData(this.app, callback, { value: results }, { parentId: envelope.id, rootId: envelope.rootId ?? envelope.id });
  }

  /**
   * After a task failed for good: sends its errbacks, records FAILURE on the chain steps after it,
   * and fails its chord (once) with a `ChordError` naming it.
   */
  async onFailure(envelope: Envelope, error: StoredError, expiresAt: number): Promise<void> {
    const failure: TaskFailure = { taskId: envelope.id, task: envelope.task, error };
    await this.sendErrbacks(envelope.errbacks, failure, envelope);
    await this.failFollowers(envelope.links, error, envelope.id, expiresAt);
    if (envelope.chord !== null) await this.failChord(envelope, error, expiresAt);
  }

  private async failChord(envelope: Envelope, error: StoredError, expiresAt: number): Promise<void> {
    const chord = await this.app.coordination().decideChord(envelope.chord!, `failed:${envelope.id}`);
    if (!chord) return;
    const callback = decodeSignatureData(chord.callback, 'chord.callback');
    const chordError = toStoredError(new ChordError(envelope.id, `Chord member ${envelope.task}[${envelope.id}] failed: ${error.type}: ${error.message}`));
    const { stack: _stack, ...withoutStack } = chordError;
    const stored = { ...withoutStack, ...(error.stack ? { stack: error.stack } : {}) };
    await this.recordFailure(callback, stored, envelope.id, expiresAt, { failedMemberId: envelope.id, failedTask: envelope.task });
    await this.failFollowers(callback.links ?? [], stored, callback.id, expiresAt);
    await this.sendErrbacks(callback.errbacks ?? [], { taskId: callback.id, task: callback.task, error: stored }, envelope);
  }

  private async failFollowers(links: readonly SignatureData[], error: StoredError, parentId: string, expiresAt: number): Promise<void> {
    for (const link of links) {
      for (const node of chainNodes(link)) await this.recordFailure(node, error, parentId, expiresAt);
    }
  }

  private async recordFailure(node: SignatureData, error: StoredError, parentId: string, expiresAt: number, meta?: JsonValue): Promise<void> {
    const now = this.app.clock.now();
    await this.app.backend().save({
      id: node.id,
      state: TaskState.FAILURE,
      task: node.task,
      retries: 0,
      error,
      dateDone: new Date(now),
      expiresAt,
      parentId,
      ...(meta !== undefined ? { meta } : {}),
      ...(node.groupId !== undefined ? { groupId: node.groupId } : {}),
    });
  }

  private async sendErrbacks(errbacks: readonly SignatureData[], failure: TaskFailure, envelope: Envelope): Promise<void> {
    const lineage = { parentId: envelope.id, rootId: envelope.rootId ?? envelope.id };
    await Promise.all(errbacks.map((errback) => sendSignatureData(this.app, errback, { value: failure }, lineage)));
  }
}
