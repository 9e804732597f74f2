import { AsyncResult, type ResultSource } from './async-result.js';
import * as D from './defaults.js';
import { ConfigError, TaskAlreadyRegisteredError, UnknownTaskError } from './errors.js';
import { Hooks, type HookHandler, type HookName } from './hooks.js';
import type { AppConfig, ErrorClass, TaskOptions, Transport } from './options.js';
import { systemClock, type Clock } from './ports/clock.js';
import type { Broker } from './ports/broker.js';
import { requireCoordination, type Coordination } from './ports/coordination.js';
import type { ResultBackend, RevokeOutcome } from './ports/result-backend.js';
import type { Scheduler } from './ports/scheduler.js';
import { encodeEnvelope, type Envelope } from './protocol/envelope.js';
import { BatchingPublisher } from './publisher.js';
import { checkAppDefaults, pickOption, resolveQueue, resolveTaskOptions, resolveWorker, type ResolvedQueue, type ResolvedWorker } from './resolve-options.js';
import { Revocation, type RevokeHandler, type RevokeOptions } from './revocation.js';
import { chooseDefaultQueue, compileTaskRoutes, routeTask, type TaskRoutes } from './routing.js';
import { buildSchedule, type BuiltSchedule, type ScheduleOptions } from './schedule/definition.js';
import { assertTimeZone } from './schedule/expression.js';
import { Schedules, type SchedulesHost } from './schedule/schedules.js';
import type { JsonValue } from './json.js';
import { RemoteTask, type RemoteTaskOptions } from './remote-task.js';
import type { JsonParameters } from './task-args.js';
import type { TaskHost } from './task-send.js';
import { Task, type AnyTask } from './task.js';

export type { ResolvedQueue, ResolvedWorker } from './resolve-options.js';
export type { RevokeHandler, RevokeOptions } from './revocation.js';

/** Marks an app object whatever copy of the SDK made it (see `App.isApp`). */
const APP_BRAND = Symbol.for('celeriac.App');

const APP_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

/**
 * A celeriac app: the registry of tasks and queues, shared by the services that send tasks, the
 * worker that runs them and the CDK stack that provisions them (Celery: `Celery('proj')`). `Q` is
 * its queue names, inferred from `createApp({ queues })`.
 *
 * It is the host its tasks send through (`TaskHost`) and the one `app.schedules` works over
 * (`SchedulesHost`); `publish()` and `publishLater()` are that surface, for tasks and canvas.
 */
export class App<Q extends string = string> implements ResultSource, TaskHost, SchedulesHost {
  /** App name; prefixes every AWS resource. */
  readonly name: string;
  /** Queue of tasks that do not name one. */
  readonly defaultQueue: Q;
  /** Declared queues by logical name. */
  readonly queues: ReadonlyMap<string, ResolvedQueue>;
  /** Worker function settings. */
  readonly worker: ResolvedWorker;
  /** Name of the DynamoDB table holding task records. */
  readonly resultsTableName: string;
  /** Name of the DynamoDB table the task listings are read from (the dashboard, `celeriac inspect tasks`). */
  readonly listingTableName: string;
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

  private readonly config: AppConfig<string>;
  private readonly registry = new Map<string, AnyTask>();
  private readonly routes: TaskRoutes;
  private readonly revocation: Revocation;
  private currentClock: Clock;
  private readonly declared = new Map<string, BuiltSchedule>();
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

  /**
   * @throws {ConfigError} when an option is invalid: the message names it, the allowed range and the value.
   */
  constructor(config: AppConfig<Q>) {
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
    this.worker = resolveWorker(config);
    checkAppDefaults(config, this.worker);
    const declared: Readonly<Record<string, object>> = config.queues ?? { [D.DEFAULT_QUEUE]: {} };
    this.queues = new Map(Object.entries(declared).map(([name, options]) => [name, resolveQueue(this.name, this.worker, name, options)]));
    this.defaultQueue = chooseDefaultQueue([...this.queues.keys()], config.defaultQueue, D.DEFAULT_QUEUE) as Q;
    this.assertQueue(this.defaultQueue);
    for (const route of this.routes) this.assertQueue(route.queue);
    this.resultsTableName = `${this.name}-results`;
    this.listingTableName = `${this.name}-listing`;
    this.celeryCompat = config.celeryCompat ?? false;
    this.resultExpiresSeconds = pickOption(D.DEFAULT_RESULT_EXPIRES_SECONDS, config.resultExpiresSeconds);
    this.errorTypes = new Map((config.errorTypes ?? []).map((type) => [type.name, type]));
    this.timezone = config.timezone ?? 'UTC';
    try {
      assertTimeZone(this.timezone);
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
    this.schedules = new Schedules(this);
    this.revocation = new Revocation(this);
    // A task revoked before it started may be waiting in a one-time schedule (a long countdown): delete it.
    this.addRevokeHandler(async (id, outcome) => {
      if (outcome.status === 'revoked' && this.transport().scheduler) await this.schedules.cancelCountdown(id);
    });
    this.transportSource = config.transport;
    this.publisher = new BatchingPublisher(() => this.transport().broker, pickOption(D.DEFAULT_PUBLISH_LINGER_MS, config.publishLingerMs));
  }

  /**
   * Registers a task. Argument and result types are inferred from `fn`. Its parameters must be JSON
   * types (a `Date` parameter is a compile error saying what to declare instead): they arrive from a
   * message.
   * @throws {ConfigError} when the name is taken or an option is invalid.
   * @example
   * const add = app.task('math.add', async (x: number, y: number) => x + y);
   */
  task<A extends readonly unknown[], R>(name: string, fn: ((...args: A) => R) & JsonParameters<A>, options: TaskOptions<A, Q> = {}): Task<A, R, Q> {
    if (typeof name !== 'string' || name.length === 0 || name.length > 200) {
      throw new ConfigError(`Task name must be 1–200 characters, received ${JSON.stringify(name)}`);
    }
    if (this.registry.has(name)) {
      throw new TaskAlreadyRegisteredError(name, this.name);
    }
    const resolved = resolveTaskOptions(
      {
        config: this.config,
        worker: this.worker,
        defaultQueueOf: (taskName) => routeTask(this.routes, taskName) ?? this.defaultQueue,
        queue: (queue) => this.queue(queue),
      },
      name,
      options as unknown as TaskOptions<readonly unknown[], string>,
    );
    const task = new Task<A, R, Q>(name, fn, resolved, this);
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
    return new RemoteTask<A, R>(name, options, {
      app: this,
      send: (queue, task, message) => this.publisher.publish(queue, task, message).then(() => undefined),
    });
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
  revoke(id: string, options: RevokeOptions = {}): Promise<RevokeOutcome> {
    return this.revocation.revoke(id, options);
  }

  /**
   * Adds a handler `revoke()` calls after recording the revoke: the extension point for parts that
   * hold a task elsewhere (a one-time schedule for a far countdown deletes it here).
   */
  addRevokeHandler(handler: RevokeHandler): void {
    this.revocation.add(handler);
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
  schedule<A extends readonly unknown[], R>(name: string, task: Task<A, R, Q>, options: NoInfer<ScheduleOptions<A, Q>>): void {
    if (this.findTask(task.name) !== task) {
      throw new ConfigError(`Schedule "${name}" runs task "${task.name}", which is not registered in app "${this.name}": register it with app.task() first.`);
    }
    if (this.declared.has(name)) throw new ConfigError(`A schedule named "${name}" is already declared in app "${this.name}".`);
    const built = buildSchedule(this, name, task.name, options as ScheduleOptions);
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

  /** Names of the schedules declared with {@link App.schedule}. */
  declaredScheduleNames(): ReadonlySet<string> {
    return new Set(this.declared.keys());
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
        throw new ConfigError(`App "${this.name}" has no transport: create it with createApp from 'celeriac' (AWS), or call app.useTransport().`);
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

  /** Chord joins, global rate-limit turns and idempotency keys. @throws {ConfigError} when the transport has none. */
  coordination(): Coordination {
    return requireCoordination(this.transport(), this.name);
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

  /**
   * Publishes an envelope on a logical queue, through the `beforePublish` / `afterPublish` hooks and
   * the batching publisher: where every task send ends. Tasks and canvas call it; use `delay()` or
   * `applyAsync()`, which check the arguments, rather than this.
   * @throws {PayloadTooLargeError} when the message exceeds the queue's size limit.
   * @throws {EnqueueError} when the queue refuses the message.
   */
  async publish(queue: string, taskName: string, envelope: Envelope, delaySeconds: number): Promise<void> {
    let sent = envelope;
    if (this.hooks.has('beforePublish')) {
      const headers = { ...envelope.headers };
      await this.hooks.emit('beforePublish', { id: envelope.id, task: taskName, queue, headers });
      sent = { ...envelope, headers };
    }
    await this.publisher.publish(this.queue(queue).queueName, taskName, { id: sent.id, body: encodeEnvelope(sent), delaySeconds });
    if (this.hooks.has('afterPublish')) await this.hooks.emit('afterPublish', { id: envelope.id, task: taskName, queue });
  }

  /**
   * Publishes an envelope at `at`, beyond the broker's delay limit, through a one-time schedule (a
   * far countdown). Tasks call it.
   * @throws {ConfigError} when the transport has no scheduler.
   */
  publishLater(queue: string, envelope: Envelope, at: Date): Promise<void> {
    return this.schedules.scheduleCountdown(envelope.id, envelope.task, this.queue(queue).queueName, encodeEnvelope(envelope), at);
  }
}

/**
 * Creates an app from its configuration, with the transport given in `config` (this is the pure
 * core's constructor; `createApp` from `celeriac` adds the AWS transport). The queue names are
 * inferred from `queues` (`'default'` without it).
 * @throws {ConfigError} when an option is invalid.
 * @example
 * const app = createCoreApp({ name: 'shop', queues: { default: {}, exports: {} }, transport });
 */
export function createCoreApp<const Q extends string = typeof D.DEFAULT_QUEUE>(config: AppConfig<Q>): App<Q> {
  return new App<Q>(config);
}
