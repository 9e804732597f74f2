import { refusedClaim } from '../core/claim-rule.js';
import type { ClaimOutcome, ClaimRequest, ResultBackend, TaskRecord } from '../core/ports/result-backend.js';
import { TaskState } from '../core/states.js';

/**
 * A result backend in process memory, for unit tests and `celeriac/testing`. Same semantics as
 * the DynamoDB backend (both pass the same conformance suite), except that nothing expires.
 */
export class InMemoryResultBackend implements ResultBackend {
  private readonly records = new Map<string, TaskRecord>();
  /** Writes made, by kind: what a task costs in writes. */
  readonly writes = { claim: 0, save: 0, forget: 0 };

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
}
