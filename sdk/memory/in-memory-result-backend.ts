import { refusedClaim } from '../core/claim-rule.js';
import type { JsonValue } from '../core/json.js';
import type { ClaimOutcome, ClaimRequest, ResultBackend, RevokeOutcome, RevokeRequest, TaskRecord } from '../core/ports/result-backend.js';
import { isReadyState, TaskState } from '../core/states.js';

/**
 * Task records in process memory, for unit tests and `celeriac/testing`. Same semantics as
 * the DynamoDB backend (both pass the same conformance suite), except that nothing expires.
 */
export class InMemoryResultBackend implements ResultBackend {
  private readonly records = new Map<string, TaskRecord>();
  /** Writes made, by kind: what a task costs in writes. */
  readonly writes = { claim: 0, save: 0, forget: 0 };
  /** Writes made for control (custom states, revokes). */
  readonly controlWrites = { updateState: 0, revoke: 0 };

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
}
