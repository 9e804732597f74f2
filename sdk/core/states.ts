import { OptionsError } from './errors.js';

/** Task states, named as in Celery, verbatim. */
export const TaskState = {
  /** Unknown to the backend: waiting in the queue, or never sent (use `exists()` to tell). */
  PENDING: 'PENDING',
  /** Claimed by a worker and running. */
  STARTED: 'STARTED',
  /** Failed, and waiting for its next attempt. */
  RETRY: 'RETRY',
  /** Finished and returned a value. */
  SUCCESS: 'SUCCESS',
  /** Finished with an error, retries exhausted, or rejected as poison input. */
  FAILURE: 'FAILURE',
  /** Will not run: revoked or expired. */
  REVOKED: 'REVOKED',
} as const;

/** One of the task states. */
export type TaskState = (typeof TaskState)[keyof typeof TaskState];

/**
 * A task's state as stored: one of Celery's, or a custom state a task set with `updateState()`
 * (e.g. `PROGRESS`). A custom state means the task is running.
 */
export type AnyState = TaskState | (string & {});

/** States after which a task never changes again (Celery: `READY_STATES`). */
export const READY_STATES: ReadonlySet<TaskState> = new Set([TaskState.SUCCESS, TaskState.FAILURE, TaskState.REVOKED]);

/** True when `state` is final (SUCCESS, FAILURE or REVOKED). */
export function isReadyState(state: AnyState): boolean {
  return READY_STATES.has(state as TaskState);
}

/** How a custom state is spelled (`PROGRESS`, `UPLOADING`): upper case letters, digits and `_`, 1–40. */
export const CUSTOM_STATE = /^[A-Z][A-Z0-9_]{0,39}$/;

/**
 * Checks a state a task sets with `updateState()`: a custom one (`PROGRESS`) or STARTED.
 * @throws {OptionsError} for anything else (final states are recorded by the worker).
 */
export function assertCustomState(state: string): string {
  if (!CUSTOM_STATE.test(state) || isReadyState(state) || state === TaskState.PENDING || state === TaskState.RETRY) {
    throw new OptionsError(
      `updateState() takes a custom state in upper case (e.g. 'PROGRESS') or STARTED, not ${JSON.stringify(state)}: final states are recorded by the worker.`,
    );
  }
  return state;
}
