import { randomUUID } from 'node:crypto';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { AsyncResult } from './async-result.js';
import { Signature } from './canvas/signature.js';
import type { SignatureData } from './canvas/signature-data.js';
import { maybeCurrentTask, recordChild } from './context.js';
import { DEFAULT_IDEMPOTENCY_WINDOW_SECONDS, ENVELOPE_VERSION, MAX_DELAY_SECONDS } from './defaults.js';
import { OptionsError } from './errors.js';
import type { JsonValue, TaskReturn } from './json.js';
import type { ApplyOptions, ErrorClass } from './options.js';
import type { Clock } from './ports/clock.js';
import { idempotencyKeyOf, type Coordination } from './ports/coordination.js';
import type { Envelope } from './protocol/envelope.js';
import type { RateLimit } from './rate-limit.js';
import type { RetryPolicy } from './retry.js';
import { validateArgs } from './schema.js';

/** A task's settings once app defaults are applied. */
export interface ResolvedTaskOptions {
  readonly queue: string;
  readonly retry: RetryPolicy;
  readonly resultExpiresSeconds: number;
  readonly ignoreResult: boolean;
  readonly duplicateProtection: boolean;
  readonly listed: boolean;
  readonly argsSchema: StandardSchemaV1 | undefined;
  readonly autoretryFor: readonly ErrorClass[] | ((error: unknown) => boolean) | undefined;
  readonly storeErrorsEvenIfIgnored: boolean;
  readonly rateLimit: RateLimit | undefined;
  readonly softTimeLimitSeconds: number | undefined;
  readonly timeLimitSeconds: number | undefined;
  readonly redact: boolean | ((args: readonly unknown[]) => unknown);
}

/** What a task needs from its app to send itself (and what canvas needs to send workflows). */
export interface TaskHost {
  readonly clock: Clock;
  publish(queue: string, taskName: string, envelope: Envelope, delaySeconds: number): Promise<void>;
  /** Sends a message at a time beyond the broker's delay limit (a one-time schedule). */
  publishLater(queue: string, envelope: Envelope, at: Date): Promise<void>;
  asyncResult<R>(id: string): AsyncResult<R>;
  assertQueue(queue: string): void;
  /** The registered task of that name. */
  getTask(name: string): AnyTask;
  /** Chords and idempotency keys. @throws {ConfigError} when the transport has none. */
  coordination(): Coordination;
  /** The app's default record TTL, in seconds. */
  readonly resultExpiresSeconds: number;
}

/** Workflow fields of an envelope, set by canvas (chains, groups, chords, links). */
export interface WorkflowFields {
  readonly links?: readonly SignatureData[];
  readonly errbacks?: readonly SignatureData[];
  readonly groupId?: string;
  readonly chord?: string;
  /** Sender, when not the task running in this scope (the worker sending links). */
  readonly parentId?: string;
  readonly rootId?: string;
}

/** The argument list a signature of a task with arguments `A` still needs from its parent. */
type Head<A extends readonly unknown[]> = A extends readonly [infer F, ...unknown[]] ? [F] : A extends readonly (infer E)[] ? [E] : never;
type Tail<A extends readonly unknown[]> = A extends readonly [unknown, ...infer T] ? T : A extends readonly (infer E)[] ? E[] : never;

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
    /** @internal The app, as the task and canvas see it. */
    readonly host: TaskHost,
  ) {}

  /**
   * A signature: this task with its arguments, to send later or put in a chain, group or chord
   * (Celery: `task.s()`). Given all arguments it needs no input; given all but the first, it takes
   * its parent's result as the first argument in a chain.
   * @example
   * chain(add.s(2, 2), add.s(4)) // add(add(2, 2), 4)
   */
  s(...args: A): Signature<[], TaskReturn<R>>;
  s(...args: Tail<A>): Signature<Head<A>, TaskReturn<R>>;
  s(...args: readonly unknown[]): Signature<readonly unknown[], TaskReturn<R>> {
    return new Signature(this, args, false);
  }

  /**
   * An immutable signature: its parent's result is not passed to it (Celery: `task.si()`).
   * @example
   * chain(importUsers.s(), notify.si('ops@example.com'))
   */
  si(...args: A): Signature<[input?: unknown], TaskReturn<R>> {
    return new Signature(this, args, true);
  }

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
    return this.send(args, options, {});
  }

  /**
   * Sends the task with workflow fields (canvas). Same checks as `applyAsync()`.
   * @internal
   */
  async send(args: readonly unknown[], options: ApplyOptions, workflow: WorkflowFields): Promise<AsyncResult<TaskReturn<R>>> {
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
    if (options.idempotencyKey !== undefined) {
      const existing = await this.reserveIdempotencyKey(options, id, now);
      if (existing !== undefined) return this.host.asyncResult<TaskReturn<R>>(existing);
    }
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
      parentId: workflow.parentId ?? parent?.id ?? null,
      rootId: workflow.rootId ?? parent?.rootId ?? null,
      groupId: workflow.groupId ?? null,
      chord: workflow.chord ?? null,
      links: workflow.links ?? [],
      errbacks: workflow.errbacks ?? [],
      headers: options.headers ?? {},
      ignoreResult: options.ignoreResult ?? this.options.ignoreResult,
      sentAt: new Date(now).toISOString(),
    };
    try {
      if (delaySeconds > MAX_DELAY_SECONDS) {
        // Beyond SQS's 15 minutes: a one-time schedule sends it; the worker still honours the exact eta.
        await this.host.publishLater(queue, envelope, new Date(Math.floor((now + delaySeconds * 1000) / 1000) * 1000));
      } else {
        await this.host.publish(queue, this.name, envelope, delaySeconds);
      }
    } catch (error) {
      if (options.idempotencyKey !== undefined) await this.host.coordination().releaseIdempotencyKey(this.idempotencyKey(options.idempotencyKey), id).catch(() => undefined);
      throw error;
    }
    if (parent && workflow.parentId === undefined) recordChild(parent, id);
    return this.host.asyncResult<TaskReturn<R>>(id);
  }

  /** Reserves the call's idempotency key; returns the id of the earlier task holding it, if any. */
  private async reserveIdempotencyKey(options: ApplyOptions, id: string, now: number): Promise<string | undefined> {
    const key = options.idempotencyKey!;
    const window = options.idempotencyWindowSeconds ?? DEFAULT_IDEMPOTENCY_WINDOW_SECONDS;
    if (key.length === 0 || key.length > 512) throw new OptionsError(`idempotencyKey must be 1 to 512 characters, received ${key.length}`);
    if (!Number.isInteger(window) || window < 1) throw new OptionsError(`idempotencyWindowSeconds must be an integer ≥ 1, received ${window}`);
    const outcome = await this.host.coordination().reserveIdempotencyKey({
      key: this.idempotencyKey(key),
      taskId: id,
      now: new Date(now),
      windowEndsAt: Math.ceil(now / 1000) + window,
    });
    return outcome.status === 'taken' ? outcome.taskId : undefined;
  }

  private idempotencyKey(key: string): string {
    return idempotencyKeyOf(this.name, key);
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
