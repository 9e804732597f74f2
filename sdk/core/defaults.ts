/**
 * Every default celeriac applies, in one place. Options documents refer to these by name.
 * Resolution order is always: call option > task option > app option > these defaults.
 */

/** Name of the queue a task goes to when neither the call, the task nor the app names one. */
export const DEFAULT_QUEUE = 'default';

/** How many times a task is retried before it is recorded as FAILURE (Celery: `max_retries`). */
export const DEFAULT_MAX_RETRIES = 3;

/** Seconds between retries when no backoff is configured (Celery: `default_retry_delay`). */
export const DEFAULT_RETRY_DELAY_SECONDS = 180;

/** Upper bound of an exponential retry backoff, in seconds (Celery: `retry_backoff_max`). */
export const DEFAULT_RETRY_BACKOFF_MAX_SECONDS = 600;

/** How long a task record is kept in the result backend (Celery: `result_expires`, 1 day). */
export const DEFAULT_RESULT_EXPIRES_SECONDS = 86_400;

/** Lambda timeout of the worker function, in seconds. */
export const DEFAULT_WORKER_TIMEOUT_SECONDS = 30;

/** Memory of the worker function, in MiB. */
export const DEFAULT_WORKER_MEMORY_MB = 512;

/** AWS's advice: the queue's visibility timeout is at least six times the function timeout. */
export const VISIBILITY_TO_TIMEOUT_RATIO = 6;

/** Records handed to one worker invocation (SQS event source `BatchSize`). */
export const DEFAULT_BATCH_SIZE = 10;

/** Deliveries of one message before SQS moves it to the dead-letter queue. */
export const DEFAULT_MAX_RECEIVE_COUNT = 10;

/** How long a dead-lettered message is kept, in seconds (14 days, the SQS maximum). */
export const DEFAULT_DLQ_RETENTION_SECONDS = 1_209_600;

/** Largest `DelaySeconds` SQS accepts: a countdown or ETA beyond this needs the scheduler. */
export const MAX_DELAY_SECONDS = 900;

/** Largest visibility timeout SQS accepts (12 hours): the longest retry countdown. */
export const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;

/** SQS message size limit in bytes (1 MiB), for one message and for one `SendMessageBatch` call. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_576;

/** Entries in one `SendMessageBatch` call (SQS limit). */
export const MAX_BATCH_ENTRIES = 10;

/** How long an enqueue waits for company before its batch is sent, in milliseconds. */
export const DEFAULT_PUBLISH_LINGER_MS = 2;

/** Polling interval of `AsyncResult.get()`, in milliseconds (Celery: 0.5 s). */
export const DEFAULT_RESULT_POLL_INTERVAL_MS = 500;

/** Size cap of a task's stack trace as stored, in characters. */
export const MAX_TRACEBACK_CHARS = 8_000;

/** Size cap of a task's arguments as its record shows them (`argsRepr`), in characters. */
export const MAX_ARGS_REPR_CHARS = 1_024;

/** Retries a task record's timeline keeps (the latest). */
export const MAX_RETRY_HISTORY = 20;

/** Version of the message envelope this library writes. */
export const ENVELOPE_VERSION = 1;

/** How long an idempotency key holds, in seconds (1 day). */
export const DEFAULT_IDEMPOTENCY_WINDOW_SECONDS = 86_400;

/** How often a worker checks whether a running task was revoked with `terminate`, in milliseconds. */
export const DEFAULT_REVOKE_CHECK_INTERVAL_MS = 1_000;

/** How far ahead a worker reserves a rate-limit slot and waits for it in process, in milliseconds. */
export const DEFAULT_RATE_LIMIT_HORIZON_MS = 2_000;

/** Milliseconds the worker waits for a message's hooks after settling its disposition. */
export const DEFAULT_HOOK_TIMEOUT_MS = 2000;
