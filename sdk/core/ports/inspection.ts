import type { TaskRecord } from './result-backend.js';
import type { AnyState } from '../states.js';

/** A listing of task records: what the Tasks page, `GET /api/tasks` and `celeriac inspect tasks` ask. */
export interface TaskQuery {
  /**
   * Only these states: Celery's, or custom ones a task set with `updateState()` (`PROGRESS`).
   * @default - every state
   */
  readonly states?: readonly AnyState[];
  /**
   * `false` leaves out the runs of the app's schedules (task ids `<group>.<schedule>@<time>`), so that a
   * frequent periodic task does not bury the rest (the Tasks page's "Hide periodic runs").
   * @default - schedule runs are listed
   */
  readonly periodic?: boolean;
  /**
   * Task name, exact or a glob with `*` (`email.*`).
   * @default - every name
   */
  readonly name?: string;
  /**
   * Text that must occur in the arguments, result or error (case-insensitive). Reads each candidate
   * record in full, so it costs more than the other filters.
   * @default - no text filter
   */
  readonly text?: string;
  /**
   * Only tasks sent at or after this time.
   * @default - no lower bound
   */
  readonly since?: Date;
  /**
   * Only tasks sent before this time.
   * @default - no upper bound
   */
  readonly until?: Date;
  /**
   * Tasks a page (1–200).
   * @default 50
   */
  readonly limit?: number;
  /**
   * Where the page starts: the `next` of the previous page.
   * @default - the newest task
   */
  readonly cursor?: string;
}

/** A row of a task listing: the record's listing columns (no arguments, result or error). */
export type TaskSummary = Pick<TaskRecord, 'id' | 'state' | 'task' | 'queue' | 'retries' | 'sentAt' | 'dateStarted' | 'dateDone' | 'runtimeMs' | 'workerId'>;

/** One page of tasks, newest sent first. */
export interface TaskPage {
  readonly tasks: readonly TaskSummary[];
  /** Cursor of the next page; absent on the last page. */
  readonly next?: string;
}

/** Reads task records through the results table's task index. */
export interface TaskIndex {
  /** One page of tasks matching `query`, newest sent first. */
  list(query: TaskQuery): Promise<TaskPage>;
}

/** Counts of one queue and its dead-letter queue (approximate, as SQS reports them). */
export interface QueueStats {
  /** Logical queue name. */
  readonly name: string;
  /** Physical queue name. */
  readonly queueName: string;
  /** Messages waiting to be received. */
  readonly visible: number;
  /** Messages received and not yet deleted: running, or waiting out a retry countdown. */
  readonly inFlight: number;
  /** Messages sent with a delay that has not passed (countdown, ETA). */
  readonly delayed: number;
  /** Messages in the dead-letter queue. */
  readonly deadLetters: number;
}

/** A message kept in a dead-letter queue, read without removing it. */
export interface DeadLetterMessage {
  readonly messageId: string;
  readonly body: string;
  /** Task id, from the message attribute or the body. */
  readonly taskId?: string;
  /** Task name, from the body. */
  readonly task?: string;
  /** Why it was dead-lettered (the worker's `celeriac-error-code`), or `MAX_RECEIVE_COUNT` when SQS moved it. */
  readonly reasonCode: string;
  readonly reasonMessage?: string;
  /** When it was first sent. */
  readonly sentAt?: Date;
}

/** Progress of long work (redrive, purge), for progress bars. */
export type ProgressListener = (done: number, total: number | undefined) => void;

/** What a redrive did. */
export interface RedriveOutcome {
  /** `move-task`: SQS's `StartMessageMoveTask` (asynchronous on AWS); `copy`: receive → send → delete. */
  readonly method: 'move-task' | 'copy';
  /** Messages moved back (copy), or the move task's count when SQS reports it. */
  readonly moved: number;
  /** The move task's handle (`move-task`). */
  readonly taskHandle?: string;
}

/** Queue administration: counts, dead letters, redrive, purge. */
export interface QueueAdmin {
  stats(queue: string): Promise<QueueStats>;
  peekDeadLetters(queue: string, max: number): Promise<DeadLetterMessage[]>;
  redrive(queue: string, options: { readonly messageIds?: readonly string[]; readonly onProgress?: ProgressListener }): Promise<RedriveOutcome>;
  purge(queue: string, options: { readonly deadLetters?: boolean }): Promise<void>;
}

/**
 * Where a {@link WorkerActivity}'s worker figures come from: `cloudwatch` (the worker function's
 * AWS/Lambda metrics, in `lambda`), `local-runtime` (the live counters of `celeriac dev`, in
 * `local`), or `records` (only what the task records tell: distinct invocation ids and runtimes).
 */
export type WorkerActivitySource = 'cloudwatch' | 'records' | 'local-runtime';

/** A worker function's AWS/Lambda metrics over a window, as CloudWatch reports them. */
export interface FunctionMetrics {
  readonly functionName: string;
  /** `Invocations`, sum. */
  readonly invocations: number;
  /** `Errors`, sum: invocations that failed as a whole (a task's own failure is recorded, not counted here). */
  readonly errors: number;
  /** `Duration`, average of every invocation (sum ÷ sample count). */
  readonly avgDurationMs?: number;
  /** `Duration`, maximum. */
  readonly maxDurationMs?: number;
  /** `ConcurrentExecutions`, maximum. */
  readonly maxConcurrency?: number;
}

/** The worker function's metrics, as a queue's activity shows them. */
export interface LambdaActivity extends FunctionMetrics {
  /** Every queue this function serves (one worker function serves them all): the figures are the function's, not the queue's share. */
  readonly queues: readonly string[];
}

/** Reads worker functions' Lambda metrics (CloudWatch `GetMetricData`). */
export interface WorkerMetrics {
  /**
   * The metrics of each function over `[start, end)`, by function name; a function CloudWatch has no
   * data point for is left out.
   * @throws {CeleriacError} (`WORKER_METRICS_FAILED`) when the metrics cannot be read (no permission, no endpoint).
   */
  read(functionNames: readonly string[], window: { readonly start: Date; readonly end: Date }): Promise<ReadonlyMap<string, FunctionMetrics>>;
}

/**
 * Activity of the worker on one queue. Task figures (`tasks`, `failures`, `running`, runtimes) come
 * from the task records; `source` says where the worker's own figures come from.
 */
export interface WorkerActivity {
  readonly queue: string;
  /** Where the worker figures come from: `lambda` with `cloudwatch`, `local` with `local-runtime`. */
  readonly source: WorkerActivitySource;
  /** Why CloudWatch was not used, when a worker function is known but its metrics could not be read or had no data. */
  readonly sourceNote?: string;
  /** Tasks that ended in the window. */
  readonly tasks: number;
  readonly failures: number;
  /** Distinct worker invocations seen in the window's task records. */
  readonly invocations: number;
  readonly avgRuntimeMs?: number;
  readonly p95RuntimeMs?: number;
  readonly maxRuntimeMs?: number;
  /** Tasks running now (STARTED records in the window). */
  readonly running: number;
  /** The worker function's AWS/Lambda metrics over the window (source `cloudwatch`). */
  readonly lambda?: LambdaActivity;
  /** Live counters of the local runtime (`celeriac dev` only). */
  readonly local?: { readonly invocations: number; readonly messages: number; readonly requeued: number; readonly errors: number; readonly pollers: number };
}

/** Tasks finished per minute. */
export interface RatePoint {
  /** Start of the minute. */
  readonly minute: Date;
  readonly succeeded: number;
  readonly failed: number;
}

/** True when `name` matches the glob `pattern` (`*` matches any run of characters). */
export function matchesName(pattern: string, name: string | undefined): boolean {
  if (name === undefined) return false;
  if (!pattern.includes('*')) return pattern === name;
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return regex.test(name);
}

/** The literal start of a glob, for a `begins_with` filter. */
export function globPrefix(pattern: string): string {
  const star = pattern.indexOf('*');
  return star < 0 ? pattern : pattern.slice(0, star);
}
