import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Clock } from './ports/clock.js';
import type { Broker } from './ports/broker.js';
import type { Coordination } from './ports/coordination.js';
import type { ResultBackend } from './ports/result-backend.js';
import type { Scheduler } from './ports/scheduler.js';

/** An error class, for `autoretryFor` and `errorTypes`. */
// biome-ignore lint/suspicious/noExplicitAny: any error constructor, whatever its parameters (unknown[] would refuse classes with typed parameters)
export type ErrorClass = abstract new (...args: any[]) => Error;

/** Where messages go and results live. */
export interface Transport {
  readonly broker: Broker;
  readonly backend: ResultBackend;
  /**
   * Chord joins, global rate-limit turns and idempotency keys, shared by every worker and producer.
   * @default - none: chords, `rateLimit` and `idempotencyKey` throw a `ConfigError`
   */
  readonly coordination?: Coordination;
  /**
   * Where schedules live: periodic schedules created at run time, and countdowns beyond 15 minutes.
   * @default - none: `app.schedules` and long countdowns throw a `ConfigError`
   */
  readonly scheduler?: Scheduler;
}

/** Settings of one queue: the SQS queue, its dead-letter queue and its worker event source. */
export interface QueueOptions {
  /**
   * Seconds a received message stays hidden while a worker runs it; also the claim's lease. At least
   * 6 × the worker's `timeoutSeconds`, at most 43,200.
   * @default - 6 × the worker's `timeoutSeconds` (AWS's advice for Lambda event sources)
   */
  readonly visibilityTimeoutSeconds?: number;
  /**
   * Messages handed to one worker invocation (1–10,000; above 10 needs `maxBatchingWindowSeconds`).
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * Seconds the event source waits to fill a batch (0–300).
   * @default 0
   */
  readonly maxBatchingWindowSeconds?: number;
  /**
   * Most concurrent worker invocations for this queue (2–1,000), capping its blast radius.
   * @default - no cap beyond the account's concurrency
   */
  readonly maxConcurrency?: number;
  /**
   * Deliveries of one message before SQS moves it to the dead-letter queue. Must exceed the largest
   * `maxRetries` of the queue's tasks.
   * @default 10
   */
  readonly maxReceiveCount?: number;
}

/** Settings of the worker function. */
export interface WorkerSettings {
  /**
   * Lambda timeout, in seconds (1–900).
   * @default 30
   */
  readonly timeoutSeconds?: number;
  /**
   * Lambda memory, in MiB.
   * @default 512
   */
  readonly memoryMb?: number;
}

/** Retry and result settings shared by the app (defaults) and each task. */
export interface TaskDefaults {
  /**
   * Retries before FAILURE (Celery: `max_retries`), a whole number below the queue's `maxReceiveCount` − 1.
   * @default 3
   */
  readonly maxRetries?: number;
  /**
   * Exponential backoff between retries: `true` for a factor of 1 s, a number for another factor,
   * `false` for the fixed `defaultRetryDelaySeconds` (Celery: `retry_backoff`).
   * @default false
   */
  readonly retryBackoff?: boolean | number;
  /**
   * Upper bound of the backoff, in seconds, 0–43,200 (Celery: `retry_backoff_max`; SQS holds a retry 12 hours at most).
   * @default 600
   */
  readonly retryBackoffMaxSeconds?: number;
  /**
   * Full jitter on the backoff (Celery: `retry_jitter`).
   * @default true
   */
  readonly retryJitter?: boolean;
  /**
   * Delay before a retry when there is no backoff, in seconds, 0–43,200 (Celery: `default_retry_delay`).
   * @default 180
   */
  readonly defaultRetryDelaySeconds?: number;
  /**
   * How long the task's record is kept, in seconds (Celery: `result_expires`).
   * @default 86400
   */
  readonly resultExpiresSeconds?: number;
  /**
   * Store no SUCCESS record (one write a task instead of two). Failures are still stored.
   * @default false
   */
  readonly ignoreResult?: boolean;
  /**
   * With `ignoreResult`, still store FAILURE records (Celery: `store_errors_even_if_ignored`; Celery's
   * default is false, celeriac keeps failures where a person will look for them).
   * @default true
   */
  readonly storeErrorsEvenIfIgnored?: boolean;
  /**
   * Claim the task (one conditional DynamoDB write, state STARTED) before running it, so a duplicate
   * SQS delivery is acknowledged instead of run again. `false` is the lean mode: no claim write, so a
   * successful task with `ignoreResult` costs no DynamoDB write at all, but a duplicate delivery may
   * run the task twice (plain at-least-once), there is no STARTED state, and `retries` is counted from
   * the message's receive count (deliveries − 1, so a crashed attempt counts as a retry). Use it for
   * idempotent tasks only.
   * @default true
   */
  readonly duplicateProtection?: boolean;
  /**
   * List the task where every listing reads (the dashboard's Tasks page, `celeriac inspect tasks`,
   * searches by state, name and time). A worker lists the tasks of a batch together, in one write to
   * the listing table when the batch ends (a tenth of a write unit a task in batches of 10), and a
   * task still running after a second once more, as running. An unlisted task is still found by id
   * (`celeriac result <id>`, the dashboard's task page, `AsyncResult`), and its failures still reach
   * the DLQ and the metrics; it is only left out of listings. Use `false` for high-volume tasks
   * nobody browses.
   * @default true
   */
  readonly listed?: boolean;
}

/** Options of one task; `Q` is the app's queue names. */
export interface TaskOptions<A extends readonly unknown[] = readonly unknown[], Q extends string = string> extends TaskDefaults {
  /**
   * Queue the task goes to: one declared in `createApp({ queues })` (a typo is a compile error).
   * @default - the queue of the first matching `taskRoutes` pattern, else the app's `defaultQueue`
   */
  readonly queue?: Q;
  /**
   * Standard Schema (zod, valibot, arktype…) for the argument list, checked at enqueue and again in
   * the worker, e.g. `z.tuple([z.email(), z.string()])`.
   * @default - no validation beyond the TypeScript types
   */
  readonly argsSchema?: StandardSchemaV1<unknown, A>;
  /**
   * Errors that trigger a retry automatically: classes, or a predicate (Celery: `autoretry_for`).
   * @default - none: only `currentTask().retry()` retries
   */
  readonly autoretryFor?: readonly ErrorClass[] | ((error: unknown) => boolean);
  /**
   * Most starts of this task, across every worker: `'<n>/s'`, `'<n>/m'` or `'<n>/h'` (Celery:
   * `rate_limit`, which is per worker). A task over its limit waits (briefly in the worker, or on the
   * queue): it is delayed, never failed or dropped.
   * @default - no limit
   */
  readonly rateLimit?: string;
  /**
   * Seconds after which the task's `signal` aborts with `SoftTimeLimitExceededError` (Celery:
   * `soft_time_limit`): the task may catch it, clean up and return.
   * @default - none (the signal still aborts shortly before the worker runs out of time)
   */
  readonly softTimeLimitSeconds?: number;
  /**
   * Seconds after which the task is recorded FAILURE with `TimeLimitExceededError` and its message
   * acknowledged, whatever the function is doing (Celery: `time_limit`). The worker does not start a
   * task it could not give this long before the invocation ends: the message goes back to the queue.
   * @default - none (bounded by the worker's timeout)
   */
  readonly timeLimitSeconds?: number;
  /**
   * What the task record shows of the arguments (dashboard, `celeriac inspect`): `true` shows none
   * (for secrets), a function returns what to show instead, e.g. `([email]) => [maskEmail(email)]`.
   * Whatever is shown is capped at `MAX_ARGS_REPR_CHARS` characters of JSON.
   * @default false - the arguments as JSON, capped
   */
  readonly redact?: boolean | ((args: A) => unknown);
}

/**
 * Configuration of an app. `Q` is its queue names, inferred from `queues` by `createApp`, so a task
 * or a call naming an undeclared queue does not compile.
 */
export interface AppConfig<Q extends string = string> extends TaskDefaults {
  /**
   * Name of the app; prefixes every AWS resource (`<name>-default`, `<name>-results`).
   * Lowercase letters, digits and dashes, 1–40 characters.
   */
  readonly name: string;
  /**
   * Store task records so Celery clients read them too: `AsyncResult(id).get()` with Celery's DynamoDB
   * result backend pointed at the app's table returns results, raises mapped exceptions and reports
   * STARTED/RETRY/REVOKED. Same writes; the records are keyed `b'celery-task-meta-<id>'`. Choose it
   * when the table is new: records written before the switch are not found after it.
   * See the README's "Celery interop".
   * @default false
   */
  readonly celeryCompat?: boolean;
  /**
   * The app's queues and their settings.
   * @default - one queue, `default`
   */
  readonly queues?: Readonly<Record<Q, QueueOptions>>;
  /**
   * Queue of tasks that do not name one.
   * @default - 'default' when declared, else the first queue declared
   */
  readonly defaultQueue?: NoInfer<Q>;
  /**
   * Worker function settings.
   * @default - 30 s timeout, 512 MiB
   */
  readonly worker?: WorkerSettings;
  /**
   * Where messages go and results live, or a function making it on first use.
   * @default - none: `createApp` from `celeriac` supplies the AWS transport; `celeriac/testing` an in-memory one
   */
  readonly transport?: Transport | (() => Transport);
  /**
   * Error classes `AsyncResult.get()` re-creates by name when a task fails with one of them.
   * @default - the built-in Error types only; others come back as `TaskError` with the original `name`
   */
  readonly errorTypes?: readonly ErrorClass[];
  /**
   * How long an enqueue waits for company before its batch is sent, in milliseconds (0–1,000; 0
   * sends each message at once).
   * @default 2
   */
  readonly publishLingerMs?: number;
  /**
   * The clock.
   * @default - the system clock
   */
  readonly clock?: Clock;
  /**
   * Routes tasks to queues by name, `*` matching any characters (Celery: `task_routes`), e.g.
   * `{ 'billing.*': 'high', 'reports.*': 'low' }`. The first matching pattern wins; a task's own
   * `queue` option and a call's `queue` take precedence.
   * @default - every task on its own `queue` or the `defaultQueue`
   */
  readonly taskRoutes?: Readonly<Record<string, NoInfer<Q>>>;
  /**
   * Time zone of schedules that do not name one (Celery: `timezone`), an IANA name.
   * @default 'UTC'
   */
  readonly timezone?: string;
}

/** Options of one call to `applyAsync()`; `Q` is the app's queue names. */
export interface ApplyOptions<Q extends string = string> {
  /**
   * Seconds to wait before the task may run. Up to 900 s (15 min) the message waits in SQS
   * (`DelaySeconds`; precision: seconds). Beyond, it waits in a one-time EventBridge Scheduler
   * `at()` schedule that deletes itself once run: durable, no worker holds it, no redelivery loop;
   * on AWS the schedule fires within the minute after the time (Scheduler's precision), and the worker
   * never starts the task before it.
   * @default 0
   */
  readonly countdownSeconds?: number;
  /**
   * Earliest time to run. Exclusive with `countdownSeconds`. Within 15 minutes it waits in SQS;
   * beyond, in a one-time Scheduler schedule (minute precision on AWS, never early), as for
   * `countdownSeconds`.
   * @default - now
   */
  readonly eta?: Date | string;
  /**
   * After this time (a Date, an ISO string, or seconds from now) the task is not run: it is recorded
   * REVOKED instead.
   * @default - never
   */
  readonly expires?: Date | string | number;
  /**
   * The task id, e.g. for idempotent producers.
   * @default - a random UUID
   */
  readonly taskId?: string;
  /**
   * Queue for this call: one declared in `createApp({ queues })`.
   * @default - the task's queue
   */
  readonly queue?: Q;
  /**
   * Store no SUCCESS record for this call.
   * @default - the task's `ignoreResult`
   */
  readonly ignoreResult?: boolean;
  /**
   * Extra message headers (tracing ids…), visible to the task as `currentTask().headers`.
   * @default - none
   */
  readonly headers?: Readonly<Record<string, string | number | boolean>>;
  /**
   * Deduplicates sends: a second call with the same key for the same task within
   * `idempotencyWindowSeconds` sends nothing and returns the first call's result handle. Costs one
   * conditional DynamoDB write at enqueue.
   * @default - none
   */
  readonly idempotencyKey?: string;
  /**
   * How long an `idempotencyKey` holds, in seconds.
   * @default 86400
   */
  readonly idempotencyWindowSeconds?: number;
}
