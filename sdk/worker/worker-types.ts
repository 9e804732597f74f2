import type { WorkerEvent } from './events.js';

/** A received message, shaped like a Lambda SQS record (only the fields the worker reads). */
export interface QueueRecord {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** Queue ARN; its last segment is the physical queue name. */
  readonly eventSourceARN: string;
  readonly attributes?: { readonly ApproximateReceiveCount?: string; readonly SentTimestamp?: string };
}

/** Options of {@link Worker}. */
export interface WorkerOptions {
  /**
   * Receives one event per message.
   * @default - one JSON line per event on stdout
   */
  readonly log?: (event: WorkerEvent) => void;
  /**
   * Milliseconds before the invocation's deadline at which running tasks' `signal` is aborted.
   * @default 1000
   */
  readonly safetyMarginMs?: number;
  /**
   * Random source for retry jitter.
   * @default Math.random
   */
  readonly random?: () => number;
  /**
   * Lets the default logger print task results. Off by default, so task data never reaches logs
   * unless asked for (arguments are never logged). A custom `log` always receives the result.
   * @default false
   */
  readonly logPayloads?: boolean;
  /**
   * How often a running task's record is read to see whether `revoke({ terminate: true })` asked to
   * stop it, in milliseconds (one read each time, only while a task runs longer than this).
   * @default 1000
   */
  readonly revokeCheckIntervalMs?: number;
  /**
   * How far ahead a rate-limited task may reserve its start and wait for it in the invocation, in
   * milliseconds; a task whose turn is further away goes back to the queue until its turn is this
   * near. Larger: fewer trips through the queue, more time spent waiting inside invocations.
   * @default 2000
   */
  readonly rateLimitHorizonMs?: number;
  /**
   * How long the worker waits for a message's hooks (`prerun` … `revoked`), in milliseconds, after it
   * has settled what becomes of the message; never past the invocation's deadline less
   * `safetyMarginMs`. The hooks run concurrently and never delay or change a disposition: a hook
   * still running at the bound is left running (logged as `hooks-pending`), and on Lambda it may
   * then be frozen with the execution environment and never finish.
   * @default 2000
   */
  readonly hookTimeoutMs?: number;
}

/** Options of one batch. */
export interface BatchOptions {
  /** Epoch milliseconds, real time (`Date.now()`), at which the invocation is stopped (Lambda: now + remaining time). */
  readonly deadlineMs?: number;
  /** Id of the invocation, recorded as the task's `workerId` (Lambda: the request id). */
  readonly invocationId?: string;
}

/** What becomes of one message: deleted from the queue, or left on it. */
export type Disposition = 'ack' | 'requeue';

/** A partial batch response, as Lambda's SQS event source reads it. */
export interface BatchResponse {
  readonly batchItemFailures: { readonly itemIdentifier: string }[];
}
