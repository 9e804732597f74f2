import { refusedClaim } from '../core/claim-rule.js';
import type { JsonValue } from '../core/json.js';
import type {
  ChordJoin,
  ChordRecord,
  ClaimOutcome,
  ClaimRequest,
  IdempotencyOutcome,
  IdempotencyRequest,
  RateSlot,
  RateSlotRequest,
  ResultBackend,
  RevokeOutcome,
  RevokeRequest,
  TaskRecord,
} from '../core/ports/result-backend.js';
import { nextRateSlot } from '../core/rate-limit.js';
import { isReadyState, TaskState } from '../core/states.js';

/**
 * A result backend in process memory, for unit tests and `celeriac/testing`. Same semantics as
 * the DynamoDB backend (both pass the same conformance suite), except that nothing expires.
 */
export class InMemoryResultBackend implements ResultBackend {
  private readonly records = new Map<string, TaskRecord>();
  private readonly chords = new Map<string, ChordRecord & { joined: Set<string>; decided?: string }>();
  private readonly rateSchedules = new Map<string, number>();
  private readonly idempotencyKeys = new Map<string, { taskId: string; windowEndsAt: number }>();
  /** Writes made, by kind: what a task costs in writes. */
  readonly writes = { claim: 0, save: 0, forget: 0 };
  /** Writes made for canvas and control (custom states, revokes, chords, rate limits, idempotency keys). */
  readonly controlWrites = { updateState: 0, revoke: 0, chord: 0, rate: 0, idempotency: 0 };

  async claim(request: ClaimRequest): Promise<ClaimOutcome> {
    const existing = this.records.get(request.id);
    const refused = refusedClaim(existing, request);
    if (refused) return refused;
    this.writes.claim += 1;
    const retries = existing?.retries ?? 0;
    this.records.set(request.id, {
      ...existing,
      id: request.id,
      state: TaskState.STARTED,
      task: request.task,
      queue: request.queue,
      retries,
      dateStarted: request.now,
      leaseUntil: request.leaseUntil,
      expiresAt: request.expiresAt,
      ...request.monitoring,
    });
    const history = existing?.retryHistory;
    return { status: 'claimed', retries, ...(history?.length ? { retryHistory: structuredClone(history) } : {}) };
  }

  async save(record: TaskRecord): Promise<void> {
    this.writes.save += 1;
    this.records.set(record.id, structuredClone(record));
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    const record = this.records.get(id);
    return record && structuredClone(record);
  }

  async forget(id: string): Promise<void> {
    this.writes.forget += 1;
    this.records.delete(id);
  }

  async updateState(id: string, state: string, meta: JsonValue): Promise<boolean> {
    const existing = this.records.get(id);
    if (!existing || isReadyState(existing.state)) return false;
    this.controlWrites.updateState += 1;
    this.records.set(id, { ...existing, state, meta: structuredClone(meta) });
    return true;
  }

  async revoke(request: RevokeRequest): Promise<RevokeOutcome> {
    const existing = this.records.get(request.id);
    if (existing && isReadyState(existing.state)) return { status: 'finished', state: existing.state as TaskState };
    if (refusedClaim(existing, request) === undefined) {
      this.controlWrites.revoke += 1;
      this.records.set(request.id, {
        ...(existing ?? {}),
        id: request.id,
        state: TaskState.REVOKED,
        retries: existing?.retries ?? 0,
        error: { type: 'TaskRevokedError', code: 'TASK_REVOKED', message: `Task ${request.id} was revoked: ${request.reason}` },
        dateDone: request.now,
        expiresAt: request.expiresAt,
      });
      return { status: 'revoked' };
    }
    if (request.terminate && existing) {
      this.controlWrites.revoke += 1;
      this.records.set(request.id, { ...existing, terminateRequested: true });
    }
    return { status: 'running', terminateRequested: request.terminate };
  }

  async saveChord(chord: ChordRecord): Promise<void> {
    this.controlWrites.chord += 1;
    this.chords.set(chord.id, { ...structuredClone(chord), joined: new Set() });
  }

  async joinChord(chordId: string, memberId: string): Promise<ChordJoin | undefined> {
    const chord = this.chords.get(chordId);
    if (!chord) return undefined;
    this.controlWrites.chord += 1;
    chord.joined.add(memberId);
    return { id: chord.id, members: [...chord.members], callback: structuredClone(chord.callback), expiresAt: chord.expiresAt, joined: chord.joined.size };
  }

  async decideChord(chordId: string, outcome: string): Promise<ChordRecord | undefined> {
    const chord = this.chords.get(chordId);
    if (!chord || chord.decided !== undefined) return undefined;
    this.controlWrites.chord += 1;
    chord.decided = outcome;
    return { id: chord.id, members: [...chord.members], callback: structuredClone(chord.callback), expiresAt: chord.expiresAt };
  }

  async reserveRateSlot(request: RateSlotRequest): Promise<RateSlot> {
    const next = nextRateSlot(this.rateSchedules.get(request.key), request);
    if ('busyUntilMs' in next) return { status: 'busy', busyUntilMs: next.busyUntilMs };
    this.controlWrites.rate += 1;
    this.rateSchedules.set(request.key, next.tat);
    return { status: 'reserved', atMs: next.atMs };
  }

  async reserveIdempotencyKey(request: IdempotencyRequest): Promise<IdempotencyOutcome> {
    const held = this.idempotencyKeys.get(request.key);
    if (held && held.windowEndsAt * 1000 > request.now.getTime()) return { status: 'taken', taskId: held.taskId };
    this.controlWrites.idempotency += 1;
    this.idempotencyKeys.set(request.key, { taskId: request.taskId, windowEndsAt: request.windowEndsAt });
    return { status: 'reserved' };
  }

  async releaseIdempotencyKey(key: string, taskId: string): Promise<void> {
    if (this.idempotencyKeys.get(key)?.taskId === taskId) this.idempotencyKeys.delete(key);
  }
}
