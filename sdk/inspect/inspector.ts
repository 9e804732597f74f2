import type { App } from '../core/app.js';
import { OptionsError } from '../core/errors.js';
import type { JsonValue } from '../core/json.js';
import type { TaskRecord } from '../core/ports/result-backend.js';
import type { ScheduleInfo } from '../core/schedule/schedules.js';
import { isReadyState, TaskState } from '../core/states.js';
import { REDACTED } from '../core/contract/names.js';
import { isCeleryState, parseTaskSearch } from './query.js';
import type {
  DeadLetterMessage,
  ProgressListener,
  QueueAdmin,
  QueueStats,
  RatePoint,
  RedriveOutcome,
  TaskIndex,
  TaskPage,
  TaskQuery,
  TaskSummary,
  FunctionMetrics,
  WorkerActivity,
  WorkerMetrics,
} from '../core/ports/inspection.js';

/** Live counters of a local runtime, by logical queue (`celeriac dev`). */
export type LocalCounters = () => ReadonlyMap<string, { invocations: number; messages: number; requeued: number; errors: number; pollers: number }>;

/** Options of {@link Inspector}. */
export interface InspectorOptions {
  readonly app: App;
  /** The task listing. */
  readonly tasks: TaskIndex;
  /** Queue administration. */
  readonly queues: QueueAdmin;
  /**
   * Live counters of the local runtime, shown on the Workers page.
   * @default - none (deployed: activity comes from the task records)
   */
  readonly localCounters?: LocalCounters;
  /**
   * The worker functions' Lambda metrics (CloudWatch), read for the queues in `workerFunctions`.
   * @default - none: worker activity comes from the task records
   */
  readonly workerMetrics?: WorkerMetrics;
  /**
   * The Lambda function that works each queue, by logical queue name.
   * @default - none known: worker activity comes from the task records
   */
  readonly workerFunctions?: ReadonlyMap<string, string>;
  /**
   * Most records read to compute rates and worker activity.
   * @default 5000
   */
  readonly maxSampled?: number;
}

/** A registered task, as `celeriac inspect registered` lists it. */
export interface RegisteredTask {
  readonly name: string;
  readonly queue: string;
  readonly maxRetries: number;
  readonly ignoreResult: boolean;
  readonly redacted: boolean;
}

/** What a revoke did. */
export interface RevokeOutcome {
  /** True when the task was recorded REVOKED now (or, running, asked to stop); false when it had already finished, or runs on. */
  readonly revoked: boolean;
  /** The task's state after the call. */
  readonly state: TaskState;
}

/**
 * The monitoring API behind the dashboard, its JSON HTTP API and `celeriac inspect`: task listings
 * and detail, queue counts, dead letters and redrive, purge, revoke and retry, schedules, worker
 * activity and rates. Everything reads persisted state, so history survives restarts.
 * @example
 * const inspector = createAwsInspector(app);
 * const page = await inspector.listTasks('name:email.* state:FAILURE');
 */
export class Inspector {
  readonly app: App;
  private readonly options: InspectorOptions;

  constructor(options: InspectorOptions) {
    this.options = options;
    this.app = options.app;
  }

  /**
   * Lists tasks, newest sent first. Takes a query, or a Flower-like search string.
   * @throws {OptionsError} for an unknown state, a bad time or cursor.
   */
  async listTasks(query: TaskQuery | string = {}): Promise<TaskPage> {
    const parsed = typeof query === 'string' ? parseTaskSearch(query, { customStates: true }) : query;
    const custom = (parsed.states ?? []).filter((state) => !isCeleryState(state));
    if (custom.length) {
      const present = await this.customStates();
      const unknown = custom.find((state) => !present.includes(state));
      if (unknown !== undefined) {
        throw new OptionsError(
          `Unknown state "${unknown}": use one of ${Object.values(TaskState).join(', ')}, or a custom state a task is in (now: ${present.join(', ') || 'none'}).`,
        );
      }
    }
    return this.options.tasks.list(parsed);
  }

  /**
   * The custom states (set with `updateState()`, e.g. `PROGRESS`) of the most recent tasks: the states
   * the dashboard offers as filters beside Celery's.
   * @example
   * await inspector.customStates(); // ['PROGRESS']
   */
  async customStates(): Promise<string[]> {
    const page = await this.options.tasks.list({ limit: 200 });
    return [...new Set(page.tasks.map((task) => task.state).filter((state) => !isCeleryState(state)))].sort();
  }

  /** The full record of a task, or undefined when the backend has none (Celery: PENDING). */
  getTask(id: string): Promise<TaskRecord | undefined> {
    return this.app.backend().get(id);
  }

  /** The registered tasks and their settings. */
  registered(): RegisteredTask[] {
    return this.app.taskNames().map((name) => {
      const task = this.app.getTask(name);
      return {
        name,
        queue: task.options.queue,
        maxRetries: task.options.retry.maxRetries,
        ignoreResult: task.options.ignoreResult,
        redacted: task.options.redact !== false,
      };
    });
  }

  /** Counts of every queue and its dead-letter queue. */
  queueStats(): Promise<QueueStats[]> {
    return Promise.all([...this.app.queues.keys()].map((queue) => this.options.queues.stats(queue)));
  }

  /**
   * Up to `max` messages of a queue's dead-letter queue, read without removing them.
   * @throws {ConfigError} when the queue is not declared.
   */
  deadLetters(queue: string, max = 100): Promise<DeadLetterMessage[]> {
    this.app.assertQueue(queue);
    return this.options.queues.peekDeadLetters(queue, max);
  }

  /**
   * Moves dead letters back to their queue: all of them, or those with the given message ids.
   * @throws {ConfigError} when the queue is not declared.
   */
  redrive(queue: string, options: { messageIds?: readonly string[]; onProgress?: ProgressListener } = {}): Promise<RedriveOutcome> {
    this.app.assertQueue(queue);
    return this.options.queues.redrive(queue, options);
  }

  /**
   * Deletes every message of a queue, or of its dead-letter queue. SQS allows one purge a minute.
   * @throws {ConfigError} when the queue is not declared.
   */
  purge(queue: string, options: { deadLetters?: boolean } = {}): Promise<void> {
    this.app.assertQueue(queue);
    return this.options.queues.purge(queue, options);
  }

  /**
   * Revokes a task that has not finished, through `app.revoke()`: recorded REVOKED, so a worker that
   * receives it later acknowledges it without running it, and a long countdown's schedule is deleted
   * (Celery: `revoke`). A task already running is asked to stop when `terminate` is set, and
   * otherwise finishes and records its outcome.
   */
  async revoke(id: string, reason = 'revoked by an operator', options: { terminate?: boolean } = {}): Promise<RevokeOutcome> {
    const outcome = await this.app.revoke(id, { reason, terminate: options.terminate ?? false });
    switch (outcome.status) {
      case 'revoked':
        return { revoked: true, state: TaskState.REVOKED };
      case 'running':
        return { revoked: outcome.terminateRequested, state: TaskState.STARTED };
      case 'finished':
        return { revoked: false, state: outcome.state };
    }
  }

  /**
   * Sends a finished task again with the same arguments, as a new task (the Retry button).
   * @throws {OptionsError} when the task has not finished, or the record has no complete copy of the arguments (redacted, capped,
   *   unknown task), since sending partial arguments would run the wrong thing.
   */
  async retry(id: string): Promise<{ id: string }> {
    const record = await this.getTask(id);
    if (!record) throw new OptionsError(`Task ${id} has no record to retry from.`);
    if (!record.task) {
      throw new OptionsError(
        `Task ${id} cannot be sent again: its message was rejected as poison before a task could be read from it (${record.error?.message ?? 'no reason kept'}). ` +
          `Its body is kept in the queue's dead-letter queue: fix the sender, or fix the message and send it again (\`celeriac dlq list ${record.queue ?? '<queue>'}\`, then \`celeriac dlq redrive\`).`,
      );
    }
    if (!isReadyState(record.state)) throw new OptionsError(`Task ${id} is ${record.state}: only a finished task can be sent again.`);
    const task = this.app.findTask(record.task);
    if (!task) throw new OptionsError(`Task ${id} ran "${record.task}", which this app does not register.`);
    const args = task.options.redact === false ? completeArgs(record) : undefined;
    if (!args) {
      throw new OptionsError(`Task ${id} cannot be sent again: its record keeps no complete copy of the arguments (redacted or over the size cap).`);
    }
    const result = await task.applyAsync(args as never, { headers: { retryOf: id } });
    await this.app.close();
    return { id: result.id };
  }

  /** The app's schedules (`app.schedules.list()`), or `available: false` when its transport has no scheduler. */
  async schedules(): Promise<{ available: boolean; schedules: ScheduleInfo[] }> {
    if (!this.hasScheduler()) return { available: false, schedules: [] };
    return { available: true, schedules: await this.app.schedules.list() };
  }

  /**
   * Pauses or resumes a schedule.
   * @throws {OptionsError} when the app has no scheduler.
   * @throws {ScheduleError} when there is no such schedule.
   */
  async setScheduleEnabled(name: string, enabled: boolean): Promise<ScheduleInfo> {
    if (!this.hasScheduler()) throw new OptionsError(`App "${this.app.name}" has no scheduler.`);
    return enabled ? this.app.schedules.enable(name) : this.app.schedules.disable(name);
  }

  private hasScheduler(): boolean {
    try {
      return this.app.transport().scheduler !== undefined;
    } catch {
      return false;
    }
  }

  /**
   * Worker activity per queue over the last `minutes`. Task counts and runtimes come from the task
   * records; the worker's own figures from the local runtime's counters when there are some, else from
   * the worker functions' CloudWatch metrics when a function is known and its metrics can be read and
   * have data, else from the records alone. Each row's `source` (and `sourceNote`) says which.
   */
  async workers(minutes = 60): Promise<WorkerActivity[]> {
    const [rows, lambda] = await Promise.all([this.recent(minutes), this.lambdaMetrics(minutes)]);
    const local = this.options.localCounters?.();
    const functions = this.options.workerFunctions ?? new Map<string, string>();
    return [...this.app.queues.keys()].map((queue) => {
      const mine = rows.filter((r) => r.queue === queue);
      const ended = mine.filter((r) => r.dateDone || r.state === TaskState.RETRY);
      const runtimes = ended
        .map((r) => r.runtimeMs)
        .filter((ms): ms is number => ms !== undefined)
        .sort((a, b) => a - b);
      const counters = local?.get(queue);
      const functionName = functions.get(queue);
      const metrics = functionName ? lambda.metrics.get(functionName) : undefined;
      const worker: Pick<WorkerActivity, 'source' | 'sourceNote' | 'lambda' | 'local'> = counters
        ? { source: 'local-runtime', local: { ...counters } }
        : metrics
          ? { source: 'cloudwatch', lambda: { ...metrics, queues: [...functions].filter(([, fn]) => fn === functionName).map(([q]) => q) } }
          : {
              source: 'records',
              ...(functionName && lambda.asked
                ? { sourceNote: lambda.failure ?? `CloudWatch has no AWS/Lambda data for ${functionName} in the last ${minutes} min.` }
                : {}),
            };
      return {
        queue,
        ...worker,
        tasks: ended.length,
        failures: ended.filter((r) => r.state === TaskState.FAILURE).length,
        invocations: new Set(mine.map((r) => r.workerId).filter(Boolean)).size,
        running: mine.filter((r) => r.state === TaskState.STARTED).length,
        ...(runtimes.length
          ? {
              avgRuntimeMs: Math.round(runtimes.reduce((a, b) => a + b, 0) / runtimes.length),
              p95RuntimeMs: runtimes[Math.min(runtimes.length - 1, Math.floor(runtimes.length * 0.95))]!,
              maxRuntimeMs: runtimes[runtimes.length - 1]!,
            }
          : {}),
      };
    });
  }

  /** The known worker functions' metrics over the last `minutes` (when asked), or why they could not be read. */
  private async lambdaMetrics(minutes: number): Promise<{ asked: boolean; metrics: ReadonlyMap<string, FunctionMetrics>; failure?: string }> {
    const names = [...new Set(this.options.workerFunctions?.values() ?? [])];
    const source = this.options.workerMetrics;
    // A local runtime has no Lambda function: its counters are the worker figures.
    if (!source || names.length === 0 || this.options.localCounters) return { asked: false, metrics: new Map() };
    const end = new Date(this.app.clock.now());
    try {
      return { asked: true, metrics: await source.read(names, { start: new Date(end.getTime() - minutes * 60_000), end }) };
    } catch (error) {
      return { asked: true, metrics: new Map(), failure: (error as Error).message };
    }
  }

  /** Tasks succeeded and failed per minute over the last `minutes`, oldest first. */
  async rates(minutes = 60): Promise<RatePoint[]> {
    const now = this.app.clock.now();
    const first = Math.floor(now / 60_000) * 60_000 - (minutes - 1) * 60_000;
    const points = Array.from({ length: minutes }, (_, i) => ({ minute: new Date(first + i * 60_000), succeeded: 0, failed: 0 }));
    for (const row of await this.recent(minutes)) {
      if (!row.dateDone) continue;
      const slot = Math.floor((row.dateDone.getTime() - first) / 60_000);
      const point = points[slot];
      if (!point) continue;
      if (row.state === TaskState.SUCCESS) point.succeeded += 1;
      else if (row.state === TaskState.FAILURE) point.failed += 1;
    }
    return points;
  }

  private async recent(minutes: number): Promise<TaskSummary[]> {
    const max = this.options.maxSampled ?? 5000;
    const since = new Date(this.app.clock.now() - minutes * 60_000);
    const rows: TaskSummary[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.options.tasks.list({ since, limit: 200, ...(cursor ? { cursor } : {}) });
      rows.push(...page.tasks);
      cursor = page.next;
    } while (cursor && rows.length < max);
    return rows;
  }
}

/** The arguments of a record when it keeps them whole, else undefined. */
function completeArgs(record: TaskRecord): unknown[] | undefined {
  if (record.argsRepr === undefined || record.argsRepr === REDACTED || record.argsRepr.endsWith('…')) return undefined;
  try {
    const args = JSON.parse(record.argsRepr) as JsonValue;
    if (!Array.isArray(args)) return undefined;
    if (record.kwargsRepr === undefined) return args;
    if (record.kwargsRepr === REDACTED || record.kwargsRepr.endsWith('…')) return undefined;
    return [...args, JSON.parse(record.kwargsRepr) as JsonValue];
  } catch {
    return undefined;
  }
}
