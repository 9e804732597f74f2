import { randomUUID } from 'node:crypto';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { AsyncResult } from './async-result.js';
import { maybeCurrentTask } from './context.js';
import { ENVELOPE_VERSION, MAX_DELAY_SECONDS } from './defaults.js';
import { OptionsError } from './errors.js';
import type { JsonValue, TaskReturn } from './json.js';
import type { ApplyOptions, ErrorClass } from './options.js';
import type { Envelope } from './protocol/envelope.js';
import type { RetryPolicy } from './retry.js';
import { validateArgs } from './schema.js';

/** A task's settings once app defaults are applied. */
export interface ResolvedTaskOptions {
  readonly queue: string;
  readonly retry: RetryPolicy;
  readonly resultExpiresSeconds: number;
  readonly ignoreResult: boolean;
  readonly duplicateProtection: boolean;
  readonly argsSchema: StandardSchemaV1 | undefined;
  readonly autoretryFor: readonly ErrorClass[] | ((error: unknown) => boolean) | undefined;
  readonly redact: boolean | ((args: readonly unknown[]) => unknown);
}

/** What a task needs from its app to send itself. */
export interface TaskHost {
  readonly clock: { now(): number };
  publish(queue: string, taskName: string, envelope: Envelope, delaySeconds: number): Promise<void>;
  /** Sends a message at a time beyond the broker's delay limit (a one-time schedule). */
  publishLater(queue: string, envelope: Envelope, at: Date): Promise<void>;
  asyncResult<R>(id: string): AsyncResult<R>;
  assertQueue(queue: string): void;
}

/**
 * A registered task. Its argument types `A` and return type `R` are inferred from the function given
 * to `app.task()`.
 * @example
 * const add = app.task('math.add', async (x: number, y: number) => x + y);
 * const result = await add.delay(4, 4); // AsyncResult<number>
 */
export class Task<A extends readonly unknown[] = readonly unknown[], R = unknown> {
  constructor(
    /** Registered name, e.g. `math.add`. */
    readonly name: string,
    /** The task's function. */
    readonly fn: (...args: A) => R,
    /** Settings with app defaults applied. */
    readonly options: ResolvedTaskOptions,
    private readonly host: TaskHost,
  ) {}

  /**
   * Sends the task to its queue with these arguments (Celery: `delay`). Resolves once the message is
   * accepted by the queue.
   * @throws {ArgsValidationError} when the arguments fail the task's `argsSchema`.
   * @throws {PayloadTooLargeError} when the message exceeds the queue's size limit.
   * @throws {EnqueueError} when the queue refuses the message.
   * @example
   * const result = await sendEmail.delay('Welcome', 'Hello!', 'ada@example.com');
   */
  delay(...args: A): Promise<AsyncResult<TaskReturn<R>>> {
    return this.applyAsync(args);
  }

  /**
   * Sends the task with options (Celery: `apply_async`).
   * @throws {ArgsValidationError} when the arguments fail the task's `argsSchema`.
   * @throws {OptionsError} when an option is out of range (the message names it and the value).
   * @throws {ConfigError} for a countdown or ETA beyond 15 minutes when the transport has no scheduler.
   * @throws {PayloadTooLargeError} when the message exceeds the queue's size limit.
   * @throws {EnqueueError} when the queue refuses the message.
   * @example
   * await exportUsers.applyAsync(['ops@example.com'], { countdownSeconds: 10, queue: 'exports' });
   */
  async applyAsync(args: A, options: ApplyOptions = {}): Promise<AsyncResult<TaskReturn<R>>> {
    const now = this.host.clock.now();
    const queue = options.queue ?? this.options.queue;
    this.host.assertQueue(queue);
    const delaySeconds = resolveDelaySeconds(options, now);
    await validateArgs(this.name, this.options.argsSchema, args);
    const id = options.taskId ?? randomUUID();
    if (options.taskId !== undefined && (options.taskId.length === 0 || options.taskId.length > 255)) {
      throw new OptionsError(`taskId must be 1 to 255 characters, received ${options.taskId.length}`);
    }
    const parent = maybeCurrentTask();
    const envelope: Envelope = {
      v: ENVELOPE_VERSION,
      id,
      task: this.name,
      args: args as unknown as JsonValue[],
      kwargs: {},
      retries: 0,
      eta: delaySeconds > 0 ? new Date(now + delaySeconds * 1000).toISOString() : null,
      expires: resolveExpires(options.expires, now),
      queue,
      parentId: parent?.id ?? null,
      rootId: parent?.rootId ?? null,
      groupId: null,
      links: [],
      headers: options.headers ?? {},
      ignoreResult: options.ignoreResult ?? this.options.ignoreResult,
      sentAt: new Date(now).toISOString(),
    };
    if (delaySeconds > MAX_DELAY_SECONDS) {
      // Beyond SQS's 15 minutes: a one-time schedule sends it; the worker still honours the exact eta.
      await this.host.publishLater(queue, envelope, new Date(Math.floor((now + delaySeconds * 1000) / 1000) * 1000));
    } else {
      await this.host.publish(queue, this.name, envelope, delaySeconds);
    }
    return this.host.asyncResult<TaskReturn<R>>(id);
  }

  /** A handle on an earlier call of this task, by id, typed with this task's result. */
  asyncResult(id: string): AsyncResult<TaskReturn<R>> {
    return this.host.asyncResult<TaskReturn<R>>(id);
  }

  /** Runs the function here and now, without a queue (Celery: calling the task directly). */
  run(...args: A): R {
    return this.fn(...args);
  }
}

/** A task of any signature. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTask = Task<any, any>;

function resolveDelaySeconds(options: ApplyOptions, now: number): number {
  const { countdownSeconds, eta } = options;
  if (countdownSeconds !== undefined && eta !== undefined) {
    throw new OptionsError('Give either countdownSeconds or eta, not both.');
  }
  let seconds = 0;
  if (countdownSeconds !== undefined) {
    if (!Number.isFinite(countdownSeconds) || countdownSeconds < 0) {
      throw new OptionsError(`countdownSeconds must be a number ≥ 0, received ${countdownSeconds}`);
    }
    seconds = Math.ceil(countdownSeconds);
  } else if (eta !== undefined) {
    const at = toTime(eta, 'eta');
    seconds = Math.max(0, Math.ceil((at - now) / 1000));
  }
  return seconds;
}

function resolveExpires(expires: ApplyOptions['expires'], now: number): string | null {
  if (expires === undefined) return null;
  if (typeof expires === 'number') {
    if (!Number.isFinite(expires) || expires <= 0) throw new OptionsError(`expires in seconds must be > 0, received ${expires}`);
    return new Date(now + expires * 1000).toISOString();
  }
  return new Date(toTime(expires, 'expires')).toISOString();
}

function toTime(value: Date | string, field: string): number {
  const time = value instanceof Date ? value.getTime() : Date.parse(value);
  if (Number.isNaN(time)) throw new OptionsError(`${field} must be a valid date or ISO 8601 string, received ${String(value)}`);
  return time;
}
