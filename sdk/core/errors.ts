/**
 * One error hierarchy. Every error celeriac throws is a {@link CeleriacError} with a stable `code`
 * (never renamed once released), an explicit `name` (minifiers mangle `constructor.name`) and the
 * original error kept as `cause`.
 */

/** Stable error codes. Scripts and tests may match on them. */
export const ErrorCode = {
  CONFIG_INVALID: 'CONFIG_INVALID',
  TASK_ALREADY_REGISTERED: 'TASK_ALREADY_REGISTERED',
  UNKNOWN_TASK: 'UNKNOWN_TASK',
  ARGS_INVALID: 'ARGS_INVALID',
  OPTIONS_INVALID: 'OPTIONS_INVALID',
  ENVELOPE_INVALID: 'ENVELOPE_INVALID',
  MESSAGE_NOT_JSON: 'MESSAGE_NOT_JSON',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  ENQUEUE_FAILED: 'ENQUEUE_FAILED',
  /** A queue the app declares does not exist on the endpoint (not deployed, or not provisioned locally). */
  QUEUE_NOT_FOUND: 'QUEUE_NOT_FOUND',
  SCHEDULE_INVALID: 'SCHEDULE_INVALID',
  SCHEDULE_NOT_FOUND: 'SCHEDULE_NOT_FOUND',
  SCHEDULE_EXISTS: 'SCHEDULE_EXISTS',
  SCHEDULER_FAILED: 'SCHEDULER_FAILED',
  RESULT_TIMEOUT: 'RESULT_TIMEOUT',
  RESULT_RECORD_INVALID: 'RESULT_RECORD_INVALID',
  BACKEND_FAILED: 'BACKEND_FAILED',
  /** A queue administration call (stats, dead letters, redrive, purge) failed. */
  QUEUE_ADMIN_FAILED: 'QUEUE_ADMIN_FAILED',
  /** The worker functions' metrics (CloudWatch) could not be read. */
  WORKER_METRICS_FAILED: 'WORKER_METRICS_FAILED',
  TASK_FAILED: 'TASK_FAILED',
  TASK_REVOKED: 'TASK_REVOKED',
  MAX_RETRIES_EXCEEDED: 'MAX_RETRIES_EXCEEDED',
  NO_TASK_CONTEXT: 'NO_TASK_CONTEXT',
  TIME_LIMIT_EXCEEDED: 'TIME_LIMIT_EXCEEDED',
  RESULT_TOO_LARGE: 'RESULT_TOO_LARGE',
  SOFT_TIME_LIMIT_EXCEEDED: 'SOFT_TIME_LIMIT_EXCEEDED',
  CHORD_FAILED: 'CHORD_FAILED',
  /** The AWS endpoint in use (`AWS_ENDPOINT_URL`, `--endpoint`) does not answer, or not as AWS does. */
  ENDPOINT_UNUSABLE: 'ENDPOINT_UNUSABLE',
  /** The local emulator of `celeriac dev` could not be started, reached or stopped. */
  EMULATOR_FAILED: 'EMULATOR_FAILED',
  /** A Celery message is malformed (a layer, a header or the body is not what Celery writes). */
  CELERY_MESSAGE_INVALID: 'CELERY_MESSAGE_INVALID',
  /** A Celery message asks for something celeriac does not do (a chord header, a non-JSON serializer). */
  CELERY_NOT_SUPPORTED: 'CELERY_NOT_SUPPORTED',
} as const;

/** One of the stable error codes. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base class of every error celeriac throws. */
export class CeleriacError extends Error {
  override name = 'CeleriacError';
  /** Stable machine-readable code. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The app or a task was defined with an invalid option. */
export class ConfigError extends CeleriacError {
  override name = 'ConfigError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.CONFIG_INVALID, message, options);
  }
}

/** A task name is not registered in the app. */
export class UnknownTaskError extends CeleriacError {
  override name = 'UnknownTaskError';
  constructor(
    readonly taskName: string,
    known: readonly string[],
    /** What named the task, when not a message (e.g. `Schedule "nightly"`). */
    namedBy?: string,
  ) {
    super(
      ErrorCode.UNKNOWN_TASK,
      `${namedBy ? `${namedBy} runs task "${taskName}", which is not registered` : `Unknown task "${taskName}": no task of that name is registered`} in this app` +
        (known.length ? ` (registered: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', …' : ''})` : '') +
        '. Check the name, and that the worker bundles the module that defines it.',
    );
  }
}

/** A task's arguments failed its schema, at enqueue or in the worker. */
export class ArgsValidationError extends CeleriacError {
  override name = 'ArgsValidationError';
  constructor(
    readonly taskName: string,
    readonly issues: readonly { message: string; path?: readonly PropertyKey[] }[],
  ) {
    super(
      ErrorCode.ARGS_INVALID,
      `Arguments of task "${taskName}" failed validation: ` +
        issues.map((i) => (i.path?.length ? `args${i.path.map((p) => `[${String(p)}]`).join('')}: ` : '') + i.message).join('; '),
    );
  }
}

/** An option given to `applyAsync()` (or a task or app option) is out of range. */
export class OptionsError extends CeleriacError {
  override name = 'OptionsError';
  constructor(message: string) {
    super(ErrorCode.OPTIONS_INVALID, message);
  }
}

/** A message body is not a valid celeriac envelope. */
export class EnvelopeError extends CeleriacError {
  override name = 'EnvelopeError';
  constructor(code: typeof ErrorCode.ENVELOPE_INVALID | typeof ErrorCode.MESSAGE_NOT_JSON, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A message is larger than the queue accepts; it was not sent. */
export class PayloadTooLargeError extends CeleriacError {
  override name = 'PayloadTooLargeError';
  constructor(
    readonly taskName: string,
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(
      ErrorCode.PAYLOAD_TOO_LARGE,
      `Message for task "${taskName}" is ${sizeBytes} bytes, over the queue's limit of ${limitBytes} bytes. ` +
        'Pass a reference (an S3 key, a database id) instead of the data itself.',
    );
  }
}

/**
 * The broker refused a message, or could not be reached. `brokerCode` is the broker's own error code
 * (e.g. SQS's). When `retryable` is true (endpoint unreachable, throttled, a server-side error) the
 * message may or may not have reached the queue: send it again with the same `taskId`, and the worker
 * runs it once.
 */
export class EnqueueError extends CeleriacError {
  override name = 'EnqueueError';
  /** True when the failure is transient (network, throttling, 5xx): trying again later may succeed. */
  readonly retryable: boolean;
  constructor(
    readonly taskId: string,
    readonly brokerCode: string,
    message: string,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    const retryable = options?.retryable ?? false;
    super(
      ErrorCode.ENQUEUE_FAILED,
      `Task ${taskId} was not enqueued: ${brokerCode}: ${message}` +
        (retryable ? ` (transient: retry with the same taskId; it may have reached the queue, and the worker runs it once)` : ''),
      options,
    );
    this.retryable = retryable;
  }
}

/** A queue the app declares does not exist on the endpoint: deploy the stack, or run `celeriac dev`. */
export class QueueNotFoundError extends CeleriacError {
  override name = 'QueueNotFoundError';
  constructor(
    /** Physical name of the queue. */
    readonly queueName: string,
    /** The broker's own error code (e.g. SQS's `QueueDoesNotExist`). */
    readonly brokerCode: string,
    options?: { cause?: unknown },
  ) {
    super(
      ErrorCode.QUEUE_NOT_FOUND,
      `Queue "${queueName}" was not found (${brokerCode}): deploy the stack (cdk deploy), or run \`celeriac dev\` to create it locally.`,
      options,
    );
  }
}

/** A task name was registered twice in one app. */
export class TaskAlreadyRegisteredError extends CeleriacError {
  override name = 'TaskAlreadyRegisteredError';
  constructor(
    readonly taskName: string,
    appName: string,
  ) {
    super(ErrorCode.TASK_ALREADY_REGISTERED, `A task named "${taskName}" is already registered in app "${appName}": give each task its own name.`);
  }
}

/** The result backend (the results table) refused a call or could not be reached. */
export class BackendError extends CeleriacError {
  override name = 'BackendError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.BACKEND_FAILED, message, options);
  }
}

/** A queue administration call (stats, dead letters, redrive, purge) failed. */
export class QueueAdminError extends CeleriacError {
  override name = 'QueueAdminError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.QUEUE_ADMIN_FAILED, message, options);
  }
}

/** The worker functions' metrics (CloudWatch) could not be read. */
export class WorkerMetricsError extends CeleriacError {
  override name = 'WorkerMetricsError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.WORKER_METRICS_FAILED, message, options);
  }
}

/** The scheduler (EventBridge Scheduler) refused a call or could not be reached. */
export class SchedulerError extends CeleriacError {
  override name = 'SchedulerError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.SCHEDULER_FAILED, message, options);
  }
}

/**
 * A schedule cannot be run as given: an expression AWS would reject, a time zone that does not exist,
 * an interval Scheduler cannot express, args failing the task's schema, or a hand-edited Input that is
 * not a celeriac message. The message says what to change.
 */
export class ScheduleError extends CeleriacError {
  override name = 'ScheduleError';
  constructor(message: string, options?: { cause?: unknown; code?: ErrorCode }) {
    super(options?.code ?? ErrorCode.SCHEDULE_INVALID, message, options);
  }
}

/** No schedule of that name in the app's group. */
export class ScheduleNotFoundError extends ScheduleError {
  override name = 'ScheduleNotFoundError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: ErrorCode.SCHEDULE_NOT_FOUND });
  }
}

/** A schedule of that name exists already in the app's group. */
export class ScheduleExistsError extends ScheduleError {
  override name = 'ScheduleExistsError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, { ...options, code: ErrorCode.SCHEDULE_EXISTS });
  }
}

/** `AsyncResult.get()` gave up waiting. */
export class ResultTimeoutError extends CeleriacError {
  override name = 'ResultTimeoutError';
  constructor(
    readonly taskId: string,
    readonly timeoutMs: number,
    readonly lastState: string,
  ) {
    super(
      ErrorCode.RESULT_TIMEOUT,
      `Task ${taskId} was not ready within ${timeoutMs} ms (last state: ${lastState}). ` +
        'Is a worker running for its queue (`npm run dev` locally)? Raise timeoutMs for long tasks.',
    );
  }
}

/** A stored task record could not be decoded. */
export class ResultRecordError extends CeleriacError {
  override name = 'ResultRecordError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.RESULT_RECORD_INVALID, message, options);
  }
}

/** The task was revoked or expired; `get()` throws it for a REVOKED task when `propagate` is on. */
export class TaskRevokedError extends CeleriacError {
  override name = 'TaskRevokedError';
  constructor(
    readonly taskId: string,
    reason: string,
  ) {
    super(ErrorCode.TASK_REVOKED, `Task ${taskId} was revoked: ${reason}`);
  }
}

/** `retry()` was called more often than the task's `maxRetries` allows. */
export class MaxRetriesExceededError extends CeleriacError {
  override name = 'MaxRetriesExceededError';
  constructor(taskName: string, maxRetries: number, options?: { cause?: unknown }) {
    super(ErrorCode.MAX_RETRIES_EXCEEDED, `Task "${taskName}" failed after ${maxRetries} retries`, options);
  }
}

/** `currentTask()` was called outside a running task. */
export class NoTaskContextError extends CeleriacError {
  override name = 'NoTaskContextError';
  constructor() {
    super(ErrorCode.NO_TASK_CONTEXT, 'currentTask() was called outside a running task: call it from inside a task function.');
  }
}

/** The task ran past its time limit (or the worker's remaining time) and was failed. */
export class TimeLimitExceededError extends CeleriacError {
  override name = 'TimeLimitExceededError';
  constructor(message: string) {
    super(ErrorCode.TIME_LIMIT_EXCEEDED, message);
  }
}

/** A task's result is larger than the result backend can store in one record; it was not stored. */
export class ResultTooLargeError extends CeleriacError {
  override name = 'ResultTooLargeError';
  constructor(
    readonly taskId: string,
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(
      ErrorCode.RESULT_TOO_LARGE,
      `Task ${taskId} returned a result of ${sizeBytes} bytes, over the result backend's limit of ${limitBytes} bytes for one record: ` +
        'the result was not stored (the record keeps its first 1,024 characters, marked "celeriac:truncated"). ' +
        'Return a reference (an S3 key, a database id) instead of the data itself.',
    );
  }
}

/**
 * Tells whether an error from a broker or backend client is transient: the endpoint was unreachable,
 * the call was throttled or the service answered with a server error. Reads the fields AWS SDK v3
 * and Node's network errors carry (`$retryable`, `$fault`, `$metadata.httpStatusCode`, `code`, `name`),
 * on the error or along its `cause` chain.
 * @example
 * isTransientError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) // true
 */
export function isTransientError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const e = error as { name?: unknown; code?: unknown; cause?: unknown; $retryable?: unknown; $fault?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (e.cause !== undefined && isTransientError(e.cause, depth + 1)) return true;
  if (e.$retryable) return true;
  if (e.$fault === 'server') return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status === 429 || status >= 500)) return true;
  const names = [e.name, e.code].filter((v): v is string => typeof v === 'string');
  return names.some((n) => TRANSIENT_NAMES.has(n));
}

const TRANSIENT_NAMES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'ServiceUnavailable',
  'InternalError',
  'InternalFailure',
  'KMSThrottlingException',
]);

/**
 * The task's `softTimeLimitSeconds` passed: its `signal` aborts with this reason
 * (`signal.throwIfAborted()` throws it). A task may catch it to clean up and return.
 */
export class SoftTimeLimitExceededError extends CeleriacError {
  override name = 'SoftTimeLimitExceededError';
  constructor(message: string) {
    super(ErrorCode.SOFT_TIME_LIMIT_EXCEEDED, message);
  }
}

/**
 * Celery's name for {@link SoftTimeLimitExceededError}, for code moving from Celery.
 * @deprecated Use `SoftTimeLimitExceededError`, named like every other error class.
 */
export const SoftTimeLimitExceeded = SoftTimeLimitExceededError;

/** A chord member failed, so the chord's callback does not run; its record holds this error. */
export class ChordError extends CeleriacError {
  override name = 'ChordError';
  constructor(
    /** Id of the member that failed. */
    readonly memberId: string,
    message: string,
  ) {
    super(ErrorCode.CHORD_FAILED, message);
  }
}

/**
 * A task's error, re-created on the caller's side by `AsyncResult.get()`: `name` is the original
 * error's type (e.g. `TypeError`, `PaymentDeclinedError`), `message` and `stack` are the original ones.
 */
export class TaskError extends CeleriacError {
  override name = 'TaskError';
  constructor(
    readonly taskId: string,
    readonly type: string,
    message: string,
    readonly remoteStack: string | undefined,
    readonly remoteCode: string | undefined,
  ) {
    super(ErrorCode.TASK_FAILED, message);
    this.name = type;
    if (remoteStack) this.stack = remoteStack;
  }
}

/**
 * A Celery message celeriac cannot run: malformed (`CELERY_MESSAGE_INVALID`) or asking for what
 * celeriac does not do (`CELERY_NOT_SUPPORTED`). Carries the task id and name when they could be read,
 * so the rejection is recorded under the id the Celery client polls.
 */
export class CeleryMessageError extends CeleriacError {
  override name = 'CeleryMessageError';
  constructor(
    code: typeof ErrorCode.CELERY_MESSAGE_INVALID | typeof ErrorCode.CELERY_NOT_SUPPORTED,
    message: string,
    readonly taskId?: string,
    readonly taskName?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** How a failure is stored: what a person needs in the dashboard. */
export interface StoredError {
  /** The error's type, e.g. `TypeError` or `ArgsValidationError`. */
  readonly type: string;
  /** The error's `code`, when it has one. */
  readonly code?: string;
  /** The error's message. */
  readonly message: string;
  /** The stack trace, capped in size. */
  readonly stack?: string;
}
