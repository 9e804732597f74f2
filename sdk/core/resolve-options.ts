/**
 * App, queue and task options resolved from one table: each numeric option's default, allowed range
 * and what to do when a value is out of it. Precedence is always call > task > app > default
 * ({@link pickOption}); the call layer is applied when a task is sent.
 */
import * as D from './defaults.js';
import { ConfigError } from './errors.js';
import type { AppConfig, QueueOptions, TaskDefaults, TaskOptions } from './options.js';
import { parseRateLimit } from './rate-limit.js';
import type { ResolvedTaskOptions } from './task-send.js';

/** A queue's settings with defaults applied. */
export interface ResolvedQueue {
  /** Logical name, as used in code (`default`, `exports`). */
  readonly name: string;
  /** Physical SQS queue name (`<app>-<queue>`). */
  readonly queueName: string;
  /** Physical dead-letter queue name (`<app>-<queue>-dlq`). */
  readonly deadLetterQueueName: string;
  readonly visibilityTimeoutSeconds: number;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly maxConcurrency: number | undefined;
  readonly maxReceiveCount: number;
}

/** The worker function's settings with defaults applied. */
export interface ResolvedWorker {
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

/** What an option's range depends on: the worker's timeout, once it is known. */
interface RangeContext {
  readonly workerTimeoutSeconds: number;
}

/** One numeric option: its default, its range, and what to do when a value is outside it. */
interface NumericRule {
  /** Whole numbers only. */
  readonly integer: boolean;
  readonly min: number | ((context: RangeContext) => number);
  /** `min` itself is refused (a duration that must be above zero). */
  readonly minExclusive?: boolean;
  readonly max: number | ((context: RangeContext) => number);
  /** Where the range comes from, shown after it, e.g. "(Lambda's limit)". */
  readonly why?: string | ((context: RangeContext) => string);
  /** Show `why` right after the minimum (when the minimum is the part that needs explaining). */
  readonly whyAfterMin?: boolean;
  /** What to do, shown last. */
  readonly fix: string;
}

/** The table: every numeric option of the app, its queues and its tasks. */
export const NUMERIC_OPTIONS = {
  'worker.timeoutSeconds': { integer: true, min: 1, max: 900, why: "(Lambda's limit)", fix: 'Set worker.timeoutSeconds within it.' },
  'worker.memoryMb': { integer: true, min: 1, max: 10_240, why: "(Lambda's limit)", fix: 'Set worker.memoryMb within it.' },
  resultExpiresSeconds: { integer: true, min: 1, max: Number.MAX_SAFE_INTEGER, fix: 'Give a whole number of seconds, e.g. 86400 for a day.' },
  publishLingerMs: {
    integer: true,
    min: 0,
    max: 1_000,
    fix: 'Use 0 to send each message at once, or a few milliseconds to batch concurrent sends.',
  },
  maxRetries: { integer: true, min: 0, max: 999, why: '(below the queue’s maxReceiveCount)', fix: 'Give a whole number of retries.' },
  retryBackoff: {
    integer: false,
    min: 0,
    minExclusive: true,
    max: D.MAX_VISIBILITY_TIMEOUT_SECONDS,
    why: '(a factor in seconds)',
    fix: 'Use true for a factor of 1 s, false for the fixed defaultRetryDelaySeconds.',
  },
  retryBackoffMaxSeconds: {
    integer: false,
    min: 0,
    max: D.MAX_VISIBILITY_TIMEOUT_SECONDS,
    why: '(the longest delay SQS can hold a retry: 12 hours)',
    fix: 'Lower it; longer waits are cut to 43200 s anyway.',
  },
  defaultRetryDelaySeconds: {
    integer: false,
    min: 0,
    max: D.MAX_VISIBILITY_TIMEOUT_SECONDS,
    why: '(the longest delay SQS can hold a retry: 12 hours)',
    fix: 'Lower it, or schedule the follow-up with a countdown instead of a retry.',
  },
  visibilityTimeoutSeconds: {
    integer: true,
    min: (c: RangeContext) => D.VISIBILITY_TO_TIMEOUT_RATIO * c.workerTimeoutSeconds,
    max: D.MAX_VISIBILITY_TIMEOUT_SECONDS,
    why: `(${D.VISIBILITY_TO_TIMEOUT_RATIO} × worker.timeoutSeconds, as AWS advises for Lambda event sources)`,
    whyAfterMin: true,
    fix: 'Raise it, or lower worker.timeoutSeconds.',
  },
  batchSize: { integer: true, min: 1, max: 10_000, why: '(the SQS event source’s range)', fix: 'Above 10 also needs maxBatchingWindowSeconds ≥ 1.' },
  maxBatchingWindowSeconds: { integer: true, min: 0, max: 300, why: '(the SQS event source’s range)', fix: 'Set it within the range.' },
  maxConcurrency: { integer: true, min: 2, max: 1000, why: '(the SQS event source’s range)', fix: 'Leave it out for no cap.' },
  maxReceiveCount: { integer: true, min: 1, max: 1000, why: '(the SQS redrive policy’s range)', fix: 'It must exceed the queue’s largest maxRetries + 1.' },
  softTimeLimitSeconds: {
    integer: false,
    min: 0,
    minExclusive: true,
    max: (c: RangeContext) => c.workerTimeoutSeconds,
    why: (c: RangeContext) => `(at most the worker's timeoutSeconds, ${c.workerTimeoutSeconds})`,
    fix: 'Lower it, or raise worker.timeoutSeconds.',
  },
  timeLimitSeconds: {
    integer: false,
    min: 0,
    minExclusive: true,
    max: (c: RangeContext) => c.workerTimeoutSeconds,
    why: (c: RangeContext) => `(at most the worker's timeoutSeconds, ${c.workerTimeoutSeconds})`,
    fix: 'Lower it, or raise worker.timeoutSeconds.',
  },
} as const satisfies Record<string, NumericRule>;

/** A numeric option's name in {@link NUMERIC_OPTIONS}. */
export type NumericOption = keyof typeof NUMERIC_OPTIONS;

/**
 * Checks a numeric option against its rule.
 * @param label how the message names it, e.g. `queues.exports.batchSize` or `send-email: maxRetries`.
 * @throws {ConfigError} naming the option, the range, the value received and what to do.
 */
export function checkNumber(option: NumericOption, label: string, value: number, context: RangeContext): number {
  const rule: NumericRule = NUMERIC_OPTIONS[option];
  const min = typeof rule.min === 'function' ? rule.min(context) : rule.min;
  const max = typeof rule.max === 'function' ? rule.max(context) : rule.max;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.minExclusive ? value > min : value >= min) &&
    value <= max;
  if (ok) return value;
  const kind = rule.integer ? 'an integer' : 'a number';
  const text = typeof rule.why === 'function' ? rule.why(context) : rule.why;
  const why = text ? ` ${text}` : '';
  const low = rule.minExclusive ? `above ${min} and at most` : `from ${min}`;
  const range = rule.whyAfterMin ? `${low}${why} to ${max}` : rule.minExclusive ? `${low} ${max}${why}` : `${low} to ${max}${why}`;
  throw new ConfigError(
    `${label} must be ${kind} ${range}, received ${typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value))}. ${rule.fix}`,
  );
}

/**
 * The first value set among the layers, most specific first, else the default: the one place the
 * precedence call > task > app > default is written.
 * @example
 * pickOption(D.DEFAULT_MAX_RETRIES, task.maxRetries, app.maxRetries) // task's, else app's, else 3
 */
export function pickOption<T>(fallback: T, ...layers: readonly (T | undefined)[]): T {
  for (const value of layers) if (value !== undefined) return value;
  return fallback;
}

/**
 * The worker's settings.
 * @throws {ConfigError} when one is out of range.
 */
export function resolveWorker(config: AppConfig<string>): ResolvedWorker {
  const context = { workerTimeoutSeconds: D.DEFAULT_WORKER_TIMEOUT_SECONDS };
  return {
    timeoutSeconds: checkNumber(
      'worker.timeoutSeconds',
      'worker.timeoutSeconds',
      pickOption(D.DEFAULT_WORKER_TIMEOUT_SECONDS, config.worker?.timeoutSeconds),
      context,
    ),
    memoryMb: checkNumber('worker.memoryMb', 'worker.memoryMb', pickOption(D.DEFAULT_WORKER_MEMORY_MB, config.worker?.memoryMb), context),
  };
}

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,40}$/;

/**
 * A declared queue's settings, with its physical names.
 * @throws {ConfigError} when its name or a setting is invalid.
 */
export function resolveQueue(appName: string, worker: ResolvedWorker, name: string, options: QueueOptions): ResolvedQueue {
  if (!QUEUE_NAME.test(name)) throw new ConfigError(`Queue name must be 1–40 letters, digits, '-' or '_', received ${JSON.stringify(name)}`);
  const context = { workerTimeoutSeconds: worker.timeoutSeconds };
  const label = (field: string) => `queues.${name}.${field}`;
  const visibility = pickOption(D.VISIBILITY_TO_TIMEOUT_RATIO * worker.timeoutSeconds, options.visibilityTimeoutSeconds);
  const batchSize = checkNumber('batchSize', label('batchSize'), pickOption(D.DEFAULT_BATCH_SIZE, options.batchSize), context);
  const window = checkNumber('maxBatchingWindowSeconds', label('maxBatchingWindowSeconds'), pickOption(0, options.maxBatchingWindowSeconds), context);
  if (batchSize > 10 && window === 0) {
    throw new ConfigError(`${label('batchSize')} above 10 needs maxBatchingWindowSeconds ≥ 1 (an SQS event source rule)`);
  }
  const { maxConcurrency } = options;
  return {
    name,
    queueName: `${appName}-${name}`,
    deadLetterQueueName: `${appName}-${name}-dlq`,
    visibilityTimeoutSeconds: checkNumber('visibilityTimeoutSeconds', label('visibilityTimeoutSeconds'), visibility, context),
    batchSize,
    maxBatchingWindowSeconds: window,
    maxConcurrency: maxConcurrency === undefined ? undefined : checkNumber('maxConcurrency', label('maxConcurrency'), maxConcurrency, context),
    maxReceiveCount: checkNumber('maxReceiveCount', label('maxReceiveCount'), pickOption(D.DEFAULT_MAX_RECEIVE_COUNT, options.maxReceiveCount), context),
  };
}

/**
 * Checks the app-level task defaults once, so a bad one is reported with the app rather than with
 * its first task.
 * @throws {ConfigError} naming the option.
 */
export function checkAppDefaults(config: AppConfig<string>, worker: ResolvedWorker): void {
  checkTaskDefaults(config, '', { workerTimeoutSeconds: worker.timeoutSeconds });
  if (config.publishLingerMs !== undefined)
    checkNumber('publishLingerMs', 'publishLingerMs', config.publishLingerMs, { workerTimeoutSeconds: worker.timeoutSeconds });
}

function checkTaskDefaults(options: TaskDefaults, prefix: string, context: RangeContext): void {
  for (const option of ['maxRetries', 'retryBackoffMaxSeconds', 'defaultRetryDelaySeconds', 'resultExpiresSeconds'] as const) {
    const value = options[option];
    if (value !== undefined) checkNumber(option, `${prefix}${option}`, value, context);
  }
  if (typeof options.retryBackoff === 'number') checkNumber('retryBackoff', `${prefix}retryBackoff`, options.retryBackoff, context);
}

/** What task options resolve against: the app's configuration, worker and queues. */
export interface TaskOptionsContext {
  readonly config: AppConfig<string>;
  readonly worker: ResolvedWorker;
  /** The queue a task goes to when it names none (routes, then the default queue). */
  defaultQueueOf(taskName: string): string;
  /** The queue's settings. @throws {ConfigError} when it is not declared. */
  queue(name: string): ResolvedQueue;
}

/**
 * A task's settings: its own options over the app's over the defaults, each numeric one checked.
 * @throws {ConfigError} naming the task and the option.
 */
export function resolveTaskOptions(app: TaskOptionsContext, name: string, options: TaskOptions<readonly unknown[], string>): ResolvedTaskOptions {
  const config = app.config;
  const context = { workerTimeoutSeconds: app.worker.timeoutSeconds };
  const label = `${name}: `;
  checkTaskDefaults(options, label, context);
  const queue = pickOption(app.defaultQueueOf(name), options.queue);
  const { maxReceiveCount } = app.queue(queue);
  const maxRetries = pickOption(D.DEFAULT_MAX_RETRIES, options.maxRetries, config.maxRetries);
  if (maxRetries + 1 >= maxReceiveCount) {
    throw new ConfigError(
      `Task "${name}" allows ${maxRetries} retries but queue "${queue}" moves a message to its DLQ after ${maxReceiveCount} deliveries: ` +
        `raise queues.${queue}.maxReceiveCount above ${maxRetries + 1} or lower maxRetries.`,
    );
  }
  const optionalSeconds = (option: 'softTimeLimitSeconds' | 'timeLimitSeconds') => {
    const value = options[option];
    return value === undefined ? undefined : checkNumber(option, `${label}${option}`, value, context);
  };
  return {
    queue,
    retry: {
      maxRetries,
      retryBackoff: pickOption<boolean | number>(false, options.retryBackoff, config.retryBackoff),
      retryBackoffMaxSeconds: pickOption(D.DEFAULT_RETRY_BACKOFF_MAX_SECONDS, options.retryBackoffMaxSeconds, config.retryBackoffMaxSeconds),
      retryJitter: pickOption(true, options.retryJitter, config.retryJitter),
      defaultRetryDelaySeconds: pickOption(D.DEFAULT_RETRY_DELAY_SECONDS, options.defaultRetryDelaySeconds, config.defaultRetryDelaySeconds),
    },
    resultExpiresSeconds: pickOption(D.DEFAULT_RESULT_EXPIRES_SECONDS, options.resultExpiresSeconds, config.resultExpiresSeconds),
    ignoreResult: pickOption(false, options.ignoreResult, config.ignoreResult),
    duplicateProtection: pickOption(true, options.duplicateProtection, config.duplicateProtection),
    listed: pickOption(true, options.listed, config.listed),
    argsSchema: options.argsSchema,
    autoretryFor: options.autoretryFor,
    storeErrorsEvenIfIgnored: pickOption(true, options.storeErrorsEvenIfIgnored, config.storeErrorsEvenIfIgnored),
    rateLimit: options.rateLimit === undefined ? undefined : parseRateLimit(options.rateLimit, `${label}rateLimit`),
    softTimeLimitSeconds: optionalSeconds('softTimeLimitSeconds'),
    timeLimitSeconds: optionalSeconds('timeLimitSeconds'),
    redact: pickOption<ResolvedTaskOptions['redact']>(false, options.redact as ResolvedTaskOptions['redact'] | undefined),
  };
}
