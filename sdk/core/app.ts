import { AsyncResult, type ResultSource } from './async-result.js';
import * as D from './defaults.js';
import { ConfigError, TaskAlreadyRegisteredError, UnknownTaskError } from './errors.js';
import { Hooks, type HookHandler, type HookName } from './hooks.js';
import type { AppConfig, ErrorClass, QueueOptions, TaskOptions, Transport } from './options.js';
import { systemClock, type Clock } from './ports/clock.js';
import type { Broker } from './ports/broker.js';
import type { ResultBackend, RevokeOutcome } from './ports/result-backend.js';
import { encodeEnvelope, type Envelope } from './protocol/envelope.js';
import { BatchingPublisher } from './publisher.js';
import { parseRateLimit } from './rate-limit.js';
import { compileTaskRoutes, routeTask, type TaskRoutes } from './routing.js';
import type { Scheduler } from './ports/scheduler.js';
import { buildSchedule, type BuiltSchedule, type ScheduleOptions } from './schedule/definition.js';
import { assertTimeZone } from './schedule/expression.js';
import { Schedules, type SchedulesHost } from './schedule/schedules.js';
import { Task, type AnyTask, type ResolvedTaskOptions } from './task.js';
import { RemoteTask, type RemoteTaskOptions } from './remote-task.js';
import type { JsonValue } from './json.js';

/** Marks an app object whatever copy of the SDK made it (see `App.isApp`). */
const APP_BRAND = Symbol.for('celeriac.App');

/** Options of `revoke()` (Celery: `revoke(terminate=…)`). */
export interface RevokeOptions {
  /**
   * Also stop the task if it is running: its `signal` aborts with `TaskRevokedError` and its record
   * becomes REVOKED. The worker notices within its `revokeCheckIntervalMs`.
   * @default false
   */
  readonly terminate?: boolean;
  /**
   * Why, recorded with the REVOKED state.
   * @default 'revoked by request'
   */
  readonly reason?: string;
}

/** Called by `revoke()` after the backend recorded it: how other parts (e.g. a scheduler holding a delayed task) drop the task too. */
export type RevokeHandler = (id: string, outcome: RevokeOutcome) => void | Promise<void>;

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

const APP_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,40}$/;

/**
 * A celeriac app: the registry of tasks and queues, shared by the services that send tasks, the
 * worker that runs them and the CDK stack that provisions them (Celery: `Celery('proj')`).
 */
export class App implements ResultSource {
  /** App name; prefixes every AWS resource. */
  readonly name: string;
  /** Queue of tasks that do not name one. */
  readonly defaultQueue: string;
  /** Declared queues by logical name. */
  readonly queues: ReadonlyMap<string, ResolvedQueue>;
  /** Worker function settings. */
  readonly worker: ResolvedWorker;
  /** Name of the DynamoDB table holding task records. */
  readonly resultsTableName: string;
  /** Task records are also readable by Celery's DynamoDB result backend (see `AppConfig.celeryCompat`). */
  readonly celeryCompat: boolean;
  /** Typed hooks for logging and tracing (Celery: signals). */
  readonly hooks = new Hooks();
  /** Default time a task record is kept, in seconds. */
  readonly resultExpiresSeconds: number;
  /** Error classes `get()` re-creates, by name. */
  readonly errorTypes: ReadonlyMap<string, ErrorClass>;
  /** Time zone of schedules that do not name one (Celery: `timezone`). */
  readonly timezone: string;
  /**
   * Schedules at run time, over the Scheduler (django-celery-beat's models and admin):
   * `create`, `update`, `get`, `list`, `enable`, `disable`, `delete`.
   */
  readonly schedules: Schedules;

  private readonly config: AppConfig;
  private readonly registry = new Map<string, AnyTask>();
  private readonly routes: TaskRoutes;
  private readonly revokeHandlers: RevokeHandler[] = [];
  private currentClock: Clock;
  private readonly declared = new Map<string, BuiltSchedule>();
  private readonly scheduleHost: SchedulesHost;
  private readonly publisher: BatchingPublisher;
  private transportSource: AppConfig['transport'];
  private resolvedTransport: Transport | undefined;

  /**
   * Whether `value` is a celeriac app, also one made by another copy of the SDK in the same process
   * (an ES module and a CommonJS copy, or two installs), where `instanceof` fails.
   * @example
   * if (!App.isApp(mod.app)) throw new Error('no app exported');
   */
  static isApp(value: unknown): value is App {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[APP_BRAND] === true;
  }

  constructor(config: AppConfig) {
    Object.defineProperty(this, APP_BRAND, { value: true });
    if (!APP_NAME.test(config.name ?? '')) {
      throw new ConfigError(
        `App name must be 1–40 lowercase letters, digits or dashes (it prefixes AWS resource names), received ${JSON.stringify(config.name)}`,
      );
    }
    this.config = config;
    this.name = config.name;
    this.currentClock = config.clock ?? systemClock;
    this.routes = compileTaskRoutes(config.taskRoutes);
    this.worker = {
      timeoutSeconds: positiveInt(config.worker?.timeoutSeconds ?? D.DEFAULT_WORKER_TIMEOUT_SECONDS, 'worker.timeoutSeconds', 900),
      memoryMb: positiveInt(config.worker?.memoryMb ?? D.DEFAULT_WORKER_MEMORY_MB, 'worker.memoryMb', 10_240),
    };
    const declared = config.queues ?? { [D.DEFAULT_QUEUE]: {} };
    this.queues = new Map(Object.entries(declared).map(([name, options]) => [name, this.resolveQueue(name, options)]));
    this.defaultQueue = config.defaultQueue ?? (this.queues.has(D.DEFAULT_QUEUE) ? D.DEFAULT_QUEUE : [...this.queues.keys()][0] ?? D.DEFAULT_QUEUE);
    this.assertQueue(this.defaultQueue);
    for (const route of this.routes) this.assertQueue(route.queue);
    this.resultsTableName = `${this.name}-results`;
    this.celeryCompat = config.celeryCompat ?? false;
    this.resultExpiresSeconds = positiveInt(config.resultExpiresSeconds ?? D.DEFAULT_RESULT_EXPIRES_SECONDS, 'resultExpiresSeconds', Number.MAX_SAFE_INTEGER);
    this.errorTypes = new Map((config.errorTypes ?? []).map((type) => [type.name, type]));
    this.timezone = config.timezone ?? 'UTC';
    try {
      assertTimeZone(this.timezone);
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const app = this;
    this.scheduleHost = {
      name: this.name,
      timezone: this.timezone,
      get clock() {
        return app.clock;
      },
      queue: (name) => this.queue(name),
      findTask: (name) => this.findTask(name),
      scheduler: () => this.scheduler(),
      declaredScheduleNames: () => new Set(this.declared.keys()),
    };
    this.schedules = new Schedules(this.scheduleHost);
    // A task revoked before it started may be waiting in a one-time schedule (a long countdown): delete it.
    this.addRevokeHandler(async (id, outcome) => {
      if (outcome.status === 'revoked' && this.transport().scheduler) await this.schedules.cancelCountdown(id);
    });
    this.transportSource = config.transport;
    this.publisher = new BatchingPublisher(() => this.transport().broker, config.publishLingerMs ?? D.DEFAULT_PUBLISH_LINGER_MS);
  }

  /**
   * Registers a task. Argument and result types are inferred from `fn`.
   * @throws {ConfigError} when the name is taken or an option is invalid.
   * @example
   * const add = app.task('math.add', async (x: number, y: number) => x + y);
   */
  task<A extends readonly unknown[], R>(name: string, fn: (...args: A) => R, options: TaskOptions<A> = {}): Task<A, R> {
    if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
      throw new ConfigError(`Task name must be 1–200 characters, received ${JSON.stringify(name)}`);
    }
    if (this.registry.has(name)) {
      throw new TaskAlreadyRegisteredError(name, this.name);
    }
    const resolved = this.resolveTaskOptions(name, options as unknown as TaskOptions);
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const app = this;
    const task = new Task<A, R>(name, fn, resolved, {
      get clock() {
        return app.clock;
      },
      get resultExpiresSeconds() {
        return app.resultExpiresSeconds;
      },
      publish: (queue, taskName, envelope, delaySeconds) => this.publish(queue, taskName, envelope, delaySeconds),
      publishLater: (queue, envelope, at) => this.schedules.scheduleCountdown(envelope.id, envelope.task, this.queue(queue).queueName, encodeEnvelope(envelope), at),
      asyncResult: (id) => this.asyncResult(id),
      assertQueue: (queue) => this.assertQueue(queue),
      getTask: (taskName) => this.getTask(taskName),
      backend: () => this.backend(),
    });
    this.registry.set(name, task);
    return task;
  }

  /**
   * Declares a task Celery workers run, typed here: sent in Celery's format (see {@link RemoteTask}).
   * @throws {ConfigError} without `celeryCompat: true`, or for a queue name SQS refuses.
   * @example
   * const render = app.remoteTask<[string], string>('reports.render', { protocol: 'celery', queue: 'reports-celery' });
   */
  remoteTask<A extends readonly JsonValue[] = JsonValue[], R = unknown>(name: string, options: RemoteTaskOptions): RemoteTask<A, R> {
    return new RemoteTask<A, R>(name, options, { app: this, send: (queue, task, message) => this.publisher.publish(queue, task, message).then(() => undefined) });
  }

  /** The clock. */
  get clock(): Clock {
    return this.currentClock;
  }

  /** Replaces the clock (`celeriac/testing` drives a virtual one). */
  useClock(clock: Clock): void {
    this.currentClock = clock;
  }

  /**
   * Adds a hook handler (shorthand for `app.hooks.on`); returns a function that removes it.
   * @example
   * app.on('beforePublish', ({ headers }) => { headers.traceId = currentTraceId(); });
   */
  on<K extends HookName>(name: K, handler: HookHandler<K>): () => void {
    return this.hooks.on(name, handler);
  }

  /**
   * Revokes a task (Celery: `app.control.revoke(id)`): not yet started, it is recorded REVOKED and
   * never runs; running, with `terminate` its worker aborts it; finished, nothing changes. Then runs
   * the revoke handlers (see {@link addRevokeHandler}).
   * @example
   * await app.revoke(result.id, { terminate: true });
   */
  async revoke(id: string, options: RevokeOptions = {}): Promise<RevokeOutcome> {
    const now = this.clock.now();
    const reason = options.reason ?? 'revoked by request';
    const outcome = await this.backend().revoke({
      id,
      reason,
      terminate: options.terminate ?? false,
      now: new Date(now),
      expiresAt: Math.ceil(now / 1000) + this.resultExpiresSeconds,
    });
    if (outcome.status === 'revoked') await this.hooks.emit('revoked', { id, reason, terminated: false });
    for (const handler of this.revokeHandlers) await handler(id, outcome);
    return outcome;
  }

  /**
   * Adds a handler `revoke()` calls after recording the revoke: the extension point for parts that
   * hold a task elsewhere (a one-time schedule for a far countdown deletes it here).
   */
  addRevokeHandler(handler: RevokeHandler): void {
    this.revokeHandlers.push(handler);
  }

  /**
   * Declares a periodic task (Celery: a `beat_schedule` entry). Checked now: the task is this app's,
   * the timing can run on EventBridge Scheduler, the time zone exists and the args pass the task's
   * schema. The CDK stack provisions it in the app's schedule group; `celeriac dev` creates and
   * fires it locally.
   * @throws {ScheduleError} saying what to change.
   * @example
   * app.schedule('reports.heartbeat', heartbeat, { every: '3s' });
   * app.schedule('reports.weekly', weeklyReport, { cron: '30 7 * * 1', timezone: 'Asia/Shanghai', args: ['ops@example.com'] });
   */
  schedule<A extends readonly unknown[], R>(name: string, task: Task<A, R>, options: ScheduleOptions<A>): void {
    if (this.findTask(task.name) !== task) {
      throw new ConfigError(`Schedule "${name}" runs task "${task.name}", which is not registered in app "${this.name}": register it with app.task() first.`);
    }
    if (this.declared.has(name)) throw new ConfigError(`A schedule named "${name}" is already declared in app "${this.name}".`);
    const built = buildSchedule(this.scheduleHost, name, task.name, options as ScheduleOptions);
    built.checked.catch(() => undefined); // an asynchronous schema's verdict is awaited by declaredSchedules()
    this.declared.set(name, built);
  }

  /**
   * The schedules declared with {@link App.schedule}, in the form Scheduler stores them.
   * @throws {ArgsValidationError} when an asynchronous args schema rejects a schedule's args.
   */
  async declaredSchedules(): Promise<readonly BuiltSchedule[]> {
    await Promise.all([...this.declared.values()].map((built) => built.checked));
    return [...this.declared.values()];
  }

  /** The schedules declared with {@link App.schedule}, without waiting for asynchronous schema checks. */
  declaredSchedulesNow(): readonly BuiltSchedule[] {
    return [...this.declared.values()];
  }

  /**
   * The scheduler.
   * @throws {ConfigError} when the transport has none.
   */
  scheduler(): Scheduler {
    const scheduler = this.transport().scheduler;
    if (!scheduler) {
      throw new ConfigError(
        `App "${this.name}" has no scheduler: schedules at run time and countdowns beyond 15 minutes need one ` +
          "(createApp from 'celeriac' uses EventBridge Scheduler; celeriac/testing an in-memory one).",
      );
    }
    return scheduler;
  }

  /** The task registered under `name`, or undefined. */
  findTask(name: string): AnyTask | undefined {
    return this.registry.get(name);
  }

  /**
   * The task registered under `name`.
   * @throws {UnknownTaskError} when there is none.
   */
  getTask(name: string): AnyTask {
    const task = this.registry.get(name);
    if (!task) throw new UnknownTaskError(name, this.taskNames());
    return task;
  }

  /** Names of the registered tasks. */
  taskNames(): string[] {
    return [...this.registry.keys()];
  }

  /** A handle on a task by id (Celery: `app.AsyncResult(id)`). */
  asyncResult<R = unknown>(id: string): AsyncResult<R> {
    return new AsyncResult<R>(id, this);
  }

  /**
   * The transport, created on first use.
   * @throws {ConfigError} when the app has none.
   */
  transport(): Transport {
    if (!this.resolvedTransport) {
      const source = this.transportSource;
      if (!source) {
        throw new ConfigError(
          `App "${this.name}" has no transport: create it with createApp from 'celeriac' (AWS), or call app.useTransport().`,
        );
      }
      this.resolvedTransport = typeof source === 'function' ? source() : source;
    }
    return this.resolvedTransport;
  }

  /** Replaces the transport (tests, the local runtime). Buffered messages are sent first by `close()`. */
  useTransport(transport: Transport | (() => Transport)): void {
    this.transportSource = transport;
    this.resolvedTransport = undefined;
  }

  /** The result backend. */
  backend(): ResultBackend {
    return this.transport().backend;
  }

  /** The broker. */
  broker(): Broker {
    return this.transport().broker;
  }

  /** Sends every buffered message and waits for the requests in flight. Call before a process exits. */
  async close(): Promise<void> {
    await this.publisher.drain();
  }

  /**
   * Throws unless `queue` is declared.
   * @throws {ConfigError}
   */
  assertQueue(queue: string): void {
    if (!this.queues.has(queue)) {
      throw new ConfigError(
        `Queue "${queue}" is not declared in app "${this.name}" (declared: ${[...this.queues.keys()].join(', ')}). ` +
          'Add it to createApp({ queues: { … } }) so the stack and the local runtime create it.',
      );
    }
  }

  /** The queue settings of a logical queue. */
  queue(name: string): ResolvedQueue {
    this.assertQueue(name);
    return this.queues.get(name)!;
  }

  /** Finds the logical queue whose physical name is `queueName`. */
  queueByPhysicalName(queueName: string): ResolvedQueue | undefined {
    for (const queue of this.queues.values()) if (queue.queueName === queueName) return queue;
    return undefined;
  }

  private async publish(queue: string, taskName: string, envelope: Envelope, delaySeconds: number): Promise<void> {
    let sent = envelope;
    if (this.hooks.has('beforePublish')) {
      const headers = { ...envelope.headers };
      await this.hooks.emit('beforePublish', { id: envelope.id, task: taskName, queue, headers });
      sent = { ...envelope, headers };
    }
    await this.publisher.publish(this.queue(queue).queueName, taskName, { id: sent.id, body: encodeEnvelope(sent), delaySeconds });
    if (this.hooks.has('afterPublish')) await this.hooks.emit('afterPublish', { id: envelope.id, task: taskName, queue });
  }

  private resolveQueue(name: string, options: QueueOptions): ResolvedQueue {
    if (!QUEUE_NAME.test(name)) throw new ConfigError(`Queue name must be 1–40 letters, digits, '-' or '_', received ${JSON.stringify(name)}`);
    const visibility = options.visibilityTimeoutSeconds ?? D.VISIBILITY_TO_TIMEOUT_RATIO * this.worker.timeoutSeconds;
    const minimum = D.VISIBILITY_TO_TIMEOUT_RATIO * this.worker.timeoutSeconds;
    if (!Number.isInteger(visibility) || visibility < minimum || visibility > D.MAX_VISIBILITY_TIMEOUT_SECONDS) {
      throw new ConfigError(
        `queues.${name}.visibilityTimeoutSeconds must be an integer from ${minimum} (${D.VISIBILITY_TO_TIMEOUT_RATIO} × worker.timeoutSeconds, ` +
          `as AWS advises for Lambda event sources) to ${D.MAX_VISIBILITY_TIMEOUT_SECONDS}, received ${visibility}. Raise it, or lower worker.timeoutSeconds.`,
      );
    }
    const batchSize = positiveInt(options.batchSize ?? D.DEFAULT_BATCH_SIZE, `queues.${name}.batchSize`, 10_000);
    const window = options.maxBatchingWindowSeconds ?? 0;
    if (!Number.isInteger(window) || window < 0 || window > 300) {
      throw new ConfigError(`queues.${name}.maxBatchingWindowSeconds must be an integer 0–300, received ${window}`);
    }
    if (batchSize > 10 && window === 0) {
      throw new ConfigError(`queues.${name}.batchSize above 10 needs maxBatchingWindowSeconds ≥ 1 (an SQS event source rule)`);
    }
    const maxConcurrency = options.maxConcurrency;
    if (maxConcurrency !== undefined && (!Number.isInteger(maxConcurrency) || maxConcurrency < 2 || maxConcurrency > 1000)) {
      throw new ConfigError(`queues.${name}.maxConcurrency must be an integer 2–1000 (the SQS event source's range), received ${maxConcurrency}`);
    }
    return {
      name,
      queueName: `${this.name}-${name}`,
      deadLetterQueueName: `${this.name}-${name}-dlq`,
      visibilityTimeoutSeconds: visibility,
      batchSize,
      maxBatchingWindowSeconds: window,
      maxConcurrency,
      maxReceiveCount: positiveInt(options.maxReceiveCount ?? D.DEFAULT_MAX_RECEIVE_COUNT, `queues.${name}.maxReceiveCount`, 1000),
    };
  }

  private resolveTaskOptions(name: string, options: TaskOptions): ResolvedTaskOptions {
    const app = this.config;
    const queue = options.queue ?? routeTask(this.routes, name) ?? this.defaultQueue;
    this.assertQueue(queue);
    const maxRetries = nonNegativeInt(options.maxRetries ?? app.maxRetries ?? D.DEFAULT_MAX_RETRIES, `${name}: maxRetries`);
    const { maxReceiveCount } = this.queue(queue);
    if (maxRetries + 1 >= maxReceiveCount) {
      throw new ConfigError(
        `Task "${name}" allows ${maxRetries} retries but queue "${queue}" moves a message to its DLQ after ${maxReceiveCount} deliveries: ` +
          `raise queues.${queue}.maxReceiveCount above ${maxRetries + 1} or lower maxRetries.`,
      );
    }
    return {
      queue,
      retry: {
        maxRetries,
        retryBackoff: options.retryBackoff ?? app.retryBackoff ?? false,
        retryBackoffMaxSeconds: options.retryBackoffMaxSeconds ?? app.retryBackoffMaxSeconds ?? D.DEFAULT_RETRY_BACKOFF_MAX_SECONDS,
        retryJitter: options.retryJitter ?? app.retryJitter ?? true,
        defaultRetryDelaySeconds: options.defaultRetryDelaySeconds ?? app.defaultRetryDelaySeconds ?? D.DEFAULT_RETRY_DELAY_SECONDS,
      },
      resultExpiresSeconds: positiveInt(
        options.resultExpiresSeconds ?? app.resultExpiresSeconds ?? D.DEFAULT_RESULT_EXPIRES_SECONDS,
        `${name}: resultExpiresSeconds`,
        Number.MAX_SAFE_INTEGER,
      ),
      ignoreResult: options.ignoreResult ?? app.ignoreResult ?? false,
      duplicateProtection: options.duplicateProtection ?? app.duplicateProtection ?? true,
      listed: options.listed ?? app.listed ?? true,
      argsSchema: options.argsSchema,
      autoretryFor: options.autoretryFor,
      storeErrorsEvenIfIgnored: options.storeErrorsEvenIfIgnored ?? app.storeErrorsEvenIfIgnored ?? true,
      rateLimit: options.rateLimit === undefined ? undefined : parseRateLimit(options.rateLimit, `${name}: rateLimit`),
      softTimeLimitSeconds: optionalSeconds(options.softTimeLimitSeconds, `${name}: softTimeLimitSeconds`, this.worker.timeoutSeconds),
      timeLimitSeconds: optionalSeconds(options.timeLimitSeconds, `${name}: timeLimitSeconds`, this.worker.timeoutSeconds),
      redact: options.redact ?? false,
    };
  }
}

/**
 * Creates an app from its configuration, with the transport given in `config` (this is the pure
 * core's constructor; `createApp` from `celeriac` adds the AWS transport).
 * @throws {ConfigError} when an option is invalid.
 */
export function createCoreApp(config: AppConfig): App {
  return new App(config);
}

function positiveInt(value: number, field: string, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new ConfigError(`${field} must be an integer 1–${max}, received ${value}`);
  return value;
}

function optionalSeconds(value: number | undefined, field: string, workerTimeoutSeconds: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value <= 0 || value > workerTimeoutSeconds) {
    throw new ConfigError(`${field} must be > 0 and at most the worker's timeoutSeconds (${workerTimeoutSeconds}), received ${value}`);
  }
  return value;
}

function nonNegativeInt(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${field} must be an integer ≥ 0, received ${value}`);
  return value;
}
