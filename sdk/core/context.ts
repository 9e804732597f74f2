import { AsyncLocalStorage } from 'node:async_hooks';
import { NoTaskContextError } from './errors.js';
import type { JsonValue } from './json.js';
import { Retry } from './signals.js';

/** Options of {@link TaskContext.retry}. */
export interface RetryOptions {
  /**
   * Seconds before the next attempt (at most 43,200: the SQS visibility limit).
   * @default - the task's backoff (`retryBackoff`) or its `defaultRetryDelaySeconds`
   */
  readonly countdownSeconds?: number;
  /**
   * The error that caused the retry, recorded with the RETRY state.
   * @default - none
   */
  readonly cause?: unknown;
  /**
   * Overrides the task's `maxRetries` for this decision.
   * @default - the task's `maxRetries`
   */
  readonly maxRetries?: number;
}

/** Options of {@link TaskContext.updateState}. */
export interface StateUpdate {
  /** A custom state, upper case (`PROGRESS`, `UPLOADING`), or `STARTED`. */
  readonly state: string;
  /**
   * Metadata readers see as `result.info()`, e.g. `{ current: 40, total: 100 }`.
   * @default null
   */
  readonly meta?: JsonValue;
}

/** What a running task knows about itself (Celery: `self.request`). */
export interface TaskContext {
  /** Task id. */
  readonly id: string;
  /** Task name. */
  readonly name: string;
  /** Retries made before this attempt. */
  readonly retries: number;
  /** Logical queue the task came from. */
  readonly queue: string;
  /** Headers of the message. */
  readonly headers: Readonly<Record<string, JsonValue>>;
  /** Id of the task that sent this one, if any. */
  readonly parentId: string | null;
  /** Id of the first task of the workflow. */
  readonly rootId: string;
  /** Aborted shortly before the worker runs out of time: stop work and let the message be retried. */
  readonly signal: AbortSignal;
  /**
   * Ends this attempt and schedules another one (Celery: `self.retry()`). Throws a `Retry` signal:
   * call it as `throw ctx.retry()` or `return ctx.retry()` for clarity.
   * @throws {Retry} always
   */
  retry(options?: RetryOptions): never;
  /**
   * Records a custom state with metadata, readable from outside as `result.state()` and
   * `result.info()` while the task runs (Celery: `self.update_state(state=…, meta=…)`). One write.
   * @throws {OptionsError} when the state is not upper case letters, digits and `_`, or is a final state.
   * @example
   * await currentTask().updateState({ state: 'PROGRESS', meta: { current: i, total } });
   */
  updateState(update: StateUpdate): Promise<void>;
}

const children = new WeakMap<TaskContext, string[]>();

/** Notes that the task running as `ctx` sent task `id` (its record lists it in `children`). */
export function recordChild(ctx: TaskContext, id: string): void {
  children.get(ctx)?.push(id);
}

/** Ids of the tasks sent from `ctx` so far. */
export function childrenOf(ctx: TaskContext): readonly string[] {
  return children.get(ctx) ?? [];
}

const storage = new AsyncLocalStorage<TaskContext>();

/**
 * The context of the task running in the current async scope.
 * @throws {NoTaskContextError} outside a task.
 * @example
 * const charge = app.task('billing.charge', async (orderId: string) => {
 *   const { retries, retry } = currentTask();
 *   if (await gatewayBusy()) retry({ countdownSeconds: 2 ** retries });
 * });
 */
export function currentTask(): TaskContext {
  const ctx = storage.getStore();
  if (!ctx) throw new NoTaskContextError();
  return ctx;
}

/** The current task context, or undefined outside a task. */
export function maybeCurrentTask(): TaskContext | undefined {
  return storage.getStore();
}

/** Runs `fn` with `ctx` as the current task context; `onContext` receives the full context first. */
export function runWithContext<T>(
  ctx: Omit<TaskContext, 'retry' | 'updateState'> & Partial<Pick<TaskContext, 'updateState'>>,
  fn: () => T,
  onContext?: (ctx: TaskContext) => void,
): T {
  const full: TaskContext = {
    updateState: async () => undefined,
    ...ctx,
    retry(options = {}) {
      throw new Retry(options.countdownSeconds, options.cause, options.maxRetries);
    },
  };
  children.set(full, []);
  onContext?.(full);
  return storage.run(full, fn);
}
