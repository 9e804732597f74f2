import type { ClaimOutcome, ClaimRequest, TaskRecord } from './ports/result-backend.js';
import { isReadyState, TaskState } from './states.js';

/**
 * The claim rule every result backend implements (DynamoDB as a condition expression, memory as
 * code): a task may be claimed when it is unknown, PENDING, RETRY, or STARTED with a lapsed lease.
 * Returns the outcome for a record that refused the claim, or undefined when the claim is allowed.
 */
export function refusedClaim(existing: TaskRecord | undefined, request: Pick<ClaimRequest, 'now'>): ClaimOutcome | undefined {
  if (!existing) return undefined;
  if (isReadyState(existing.state)) return { status: 'finished', state: existing.state };
  if (existing.state === TaskState.STARTED && existing.leaseUntil && existing.leaseUntil.getTime() > request.now.getTime()) {
    return { status: 'running', leaseUntil: existing.leaseUntil };
  }
  return undefined;
}
