import type { ClaimOutcome, ClaimRequest, TaskRecord } from './ports/result-backend.js';
import { isReadyState, TaskState } from './states.js';

/**
 * The claim rule every result backend implements (DynamoDB as a condition expression, memory as
 * code): a task may be claimed when it is unknown, PENDING, RETRY, or STARTED (or in a custom state
 * such as PROGRESS) with a lapsed lease.
 * Returns the outcome for a record that refused the claim, or undefined when the claim is allowed.
 */
export function refusedClaim(existing: TaskRecord | undefined, request: Pick<ClaimRequest, 'now'>): ClaimOutcome | undefined {
  if (!existing) return undefined;
  if (isReadyState(existing.state)) return { status: 'finished', state: existing.state as TaskState };
  const waiting = existing.state === TaskState.PENDING || existing.state === TaskState.RETRY;
  if (!waiting && existing.leaseUntil && existing.leaseUntil.getTime() > request.now.getTime()) {
    return { status: 'running', leaseUntil: existing.leaseUntil };
  }
  return undefined;
}
