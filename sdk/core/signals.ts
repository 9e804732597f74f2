/**
 * Control-flow signals a task may throw. They are not failures (as in Celery): the worker reads
 * them and acts.
 */

/** Thrown by `currentTask().retry()`: run this task again after `countdownSeconds`. */
export class Retry extends Error {
  override name = 'Retry';
  constructor(
    /** Seconds before the next attempt; `undefined` applies the task's backoff. */
    readonly countdownSeconds: number | undefined,
    /** The error that caused the retry, recorded with the RETRY state. */
    override readonly cause: unknown,
    /** Overrides the task's `maxRetries` for this retry. */
    readonly maxRetries: number | undefined,
  ) {
    super(countdownSeconds === undefined ? 'Retry requested' : `Retry in ${countdownSeconds}s`);
  }
}

/** Throw to reject the message: it is recorded as FAILURE with `reason` and moved to the dead-letter queue. */
export class Reject extends Error {
  override name = 'Reject';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Throw to acknowledge the message without recording any state. */
export class Ignore extends Error {
  override name = 'Ignore';
  constructor() {
    super('Task ignored');
  }
}
