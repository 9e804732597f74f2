import { DEFAULT_RESULT_POLL_INTERVAL_MS } from './defaults.js';
import {
  ArgsValidationError,
  ChordError,
  EnvelopeError,
  MaxRetriesExceededError,
  ResultTimeoutError,
  ResultTooLargeError,
  SoftTimeLimitExceeded,
  TaskError,
  TaskRevokedError,
  TimeLimitExceededError,
  UnknownTaskError,
  type StoredError,
} from './errors.js';
import { ArgsNotJsonError } from './json-args.js';
import type { JsonValue } from './json.js';
import type { ErrorClass } from './options.js';
import type { Clock } from './ports/clock.js';
import type { ResultBackend, RevokeOutcome, TaskRecord } from './ports/result-backend.js';
import { isReadyState, TaskState, type AnyState } from './states.js';

/** Options of {@link AsyncResult.get}. */
export interface GetOptions {
  /**
   * Give up after this many milliseconds.
   * @default - wait forever (as Celery); set it in services
   */
  readonly timeoutMs?: number;
  /**
   * Milliseconds between two reads of the record.
   * @default 500
   */
  readonly intervalMs?: number;
  /**
   * Throw the task's error (re-created with its type, message and stack) when it failed, and a
   * `TaskRevokedError` when it was revoked. When false, resolve with that error (an `Error`) instead.
   * @default true
   */
  readonly propagate?: boolean;
}

/** What an {@link AsyncResult} needs from its app. */
export interface ResultSource {
  backend(): ResultBackend;
  readonly clock: Clock;
  readonly errorTypes: ReadonlyMap<string, ErrorClass>;
  revoke(id: string, options?: { terminate?: boolean; reason?: string }): Promise<RevokeOutcome>;
}

/** celeriac's own errors a worker records, re-created as their class (e.g. `ResultTooLargeError`). */
const CELERIAC_ERRORS: ReadonlyMap<string, ErrorClass> = new Map<string, ErrorClass>(
  [
    ResultTooLargeError,
    TimeLimitExceededError,
    SoftTimeLimitExceeded,
    MaxRetriesExceededError,
    ArgsValidationError,
    ArgsNotJsonError,
    UnknownTaskError,
    EnvelopeError,
    ChordError,
  ].map((type) => [type.name, type as unknown as ErrorClass]),
);

const BUILTIN_ERRORS: ReadonlyMap<string, ErrorConstructor> = new Map<string, ErrorConstructor>([
  ['Error', Error],
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['SyntaxError', SyntaxError],
  ['ReferenceError', ReferenceError],
  ['EvalError', EvalError],
  ['URIError', URIError],
]);

/**
 * A handle on a task's state and result (Celery: `AsyncResult`). Every accessor reads the record
 * afresh. An id the backend does not know reads as PENDING, as in Celery; `exists()` tells the two apart.
 * @example
 * const result = await add.delay(4, 4);
 * const sum: number = await result.get({ timeoutMs: 10_000 }); // 8
 */
export class AsyncResult<R = unknown> {
  constructor(
    /** Task id. */
    readonly id: string,
    private readonly source: ResultSource,
  ) {}

  /** The whole record; a synthetic PENDING record when the backend has none. */
  async record(): Promise<TaskRecord> {
    return (await this.source.backend().get(this.id)) ?? { id: this.id, state: TaskState.PENDING, retries: 0, expiresAt: 0 };
  }

  /** Current state: PENDING, STARTED, RETRY, SUCCESS, FAILURE, REVOKED, or a custom one (`PROGRESS`). */
  async state(): Promise<AnyState> {
    return (await this.record()).state;
  }

  /** True once the task reached SUCCESS, FAILURE or REVOKED. */
  async ready(): Promise<boolean> {
    return isReadyState(await this.state());
  }

  /** True when the task succeeded. */
  async successful(): Promise<boolean> {
    return (await this.state()) === TaskState.SUCCESS;
  }

  /** True when the task failed. */
  async failed(): Promise<boolean> {
    return (await this.state()) === TaskState.FAILURE;
  }

  /** True when the backend holds a record of this task (a PENDING task has none). */
  async exists(): Promise<boolean> {
    return (await this.source.backend().get(this.id)) !== undefined;
  }

  /** The return value when SUCCESS, the stored error when FAILURE or RETRY, else undefined (Celery: `.result`). */
  async result(): Promise<R | StoredError | undefined> {
    const record = await this.record();
    if (record.state === TaskState.SUCCESS) return record.result as R;
    return record.error;
  }

  /**
   * The result when SUCCESS, the error when FAILURE, REVOKED or RETRY, the metadata of a custom
   * state such as PROGRESS, else undefined (Celery: `.info`).
   * @example
   * const { current, total } = (await result.info()) as { current: number; total: number };
   */
  async info(): Promise<R | StoredError | JsonValue | undefined> {
    const record = await this.record();
    if (record.state === TaskState.SUCCESS) return record.result as R;
    if (record.error !== undefined && record.state !== TaskState.STARTED) return record.error;
    return record.meta;
  }

  /** Ids of the tasks this one sent, as recorded when it finished. */
  async children(): Promise<readonly string[]> {
    return (await this.record()).children ?? [];
  }

  /**
   * Revokes the task (Celery: `result.revoke()`): before it starts, it never runs; with `terminate`,
   * a running task's `signal` aborts and it is recorded REVOKED.
   * @example
   * await result.revoke({ terminate: true });
   */
  revoke(options: { terminate?: boolean; reason?: string } = {}): Promise<RevokeOutcome> {
    return this.source.revoke(this.id, options);
  }

  /** The failed task's stack trace (Celery: `.traceback`). */
  async traceback(): Promise<string | undefined> {
    return (await this.record()).error?.stack;
  }

  /** When the task reached a ready state. */
  async dateDone(): Promise<Date | undefined> {
    return (await this.record()).dateDone;
  }

  /** Retries made so far. */
  async retries(): Promise<number> {
    return (await this.record()).retries;
  }

  /** Deletes the task's record from the backend. */
  async forget(): Promise<void> {
    await this.source.backend().forget(this.id);
  }

  /**
   * Waits until the task is ready and returns its value.
   * @throws {ResultTimeoutError} when not ready within `timeoutMs`.
   * @throws the task's error, re-created (type, message, stack), when it failed and `propagate` is on.
   * @throws {TaskRevokedError} when it was revoked and `propagate` is on.
   * @returns the value; with `propagate: false`, the task's error (an `Error`, the one `propagate` would
   *   throw) when it failed or was revoked: test it with `instanceof Error`.
   * @example
   * const outcome = await result.get({ timeoutMs: 10_000, propagate: false });
   * if (outcome instanceof Error) console.error(outcome.name, outcome.message);
   */
  async get(options: GetOptions = {}): Promise<R> {
    // With propagate: false a failed or revoked task resolves with its Error; check with `instanceof Error`.
    type Out = R;
    const { timeoutMs, intervalMs = DEFAULT_RESULT_POLL_INTERVAL_MS, propagate = true } = options;
    const { clock } = this.source;
    const deadline = timeoutMs === undefined ? Infinity : clock.now() + timeoutMs;
    for (;;) {
      const record = await this.record();
      if (record.state === TaskState.SUCCESS) return record.result as Out;
      if (record.state === TaskState.FAILURE) {
        const error = this.recreateError(record.error);
        if (propagate) throw error;
        return error as Out;
      }
      if (record.state === TaskState.REVOKED) {
        const error = new TaskRevokedError(this.id, record.error?.message ?? 'revoked');
        if (propagate) throw error;
        return error as Out;
      }
      const left = deadline - clock.now();
      if (left <= 0) throw new ResultTimeoutError(this.id, timeoutMs ?? 0, record.state);
      await clock.sleep(Math.min(intervalMs, left));
    }
  }

  private recreateError(stored: StoredError | undefined): Error {
    const error = stored ?? { type: 'Error', message: 'Task failed and left no error' };
    const own = this.source.errorTypes.get(error.type) === undefined ? CELERIAC_ERRORS.get(error.type) : undefined;
    const registered = this.source.errorTypes.get(error.type) ?? own;
    if (registered) {
      const instance = Object.create(registered.prototype as object) as Error & { taskId?: string; code?: string };
      Object.assign(instance, { message: error.message, name: error.type, taskId: this.id });
      if (error.code !== undefined) instance.code = error.code;
      // celeriac's own classes also keep what a TaskError would say (type, remoteCode, remoteStack).
      if (own) Object.assign(instance, { type: error.type, remoteCode: error.code, remoteStack: error.stack });
      if (error.stack) instance.stack = error.stack;
      return instance;
    }
    const builtin = BUILTIN_ERRORS.get(error.type);
    if (builtin) {
      const instance = new builtin(error.message);
      if (error.stack) instance.stack = error.stack;
      return instance;
    }
    return new TaskError(this.id, error.type, error.message, error.stack, error.code);
  }
}
