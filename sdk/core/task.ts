import type { AsyncResult } from './async-result.js';
import { Signature } from './canvas/signature.js';
import type { TaskReturn } from './json.js';
import type { ApplyOptions } from './options.js';
import type { Head, KwargsOf, PositionalOf, Tail } from './task-args.js';
import { bindTaskHost, sendTask, taskHost, type ResolvedTaskOptions, type TaskHost } from './task-send.js';

export type { ResolvedTaskOptions, WorkflowFields } from './task-send.js';

/**
 * A registered task. Its argument types `A` and return type `R` are inferred from the function given
 * to `app.task()`; `Q` is the app's queue names.
 * @example
 * const add = app.task('math.add', async (x: number, y: number) => x + y);
 * const result = await add.delay(4, 4); // AsyncResult<number>
 */
export class Task<A extends readonly unknown[] = readonly unknown[], R = unknown, Q extends string = 'default'> {
  /** Registered name, e.g. `math.add`. */
  readonly name: string;
  /** The task's function. */
  readonly fn: (...args: A) => R;
  /** Settings with app defaults applied. */
  readonly options: ResolvedTaskOptions;

  /**
   * Made by `app.task()`, which registers it; a task made otherwise is not sent anywhere.
   * @param host the app the task sends through, kept out of the task's public surface.
   */
  constructor(name: string, fn: (...args: A) => R, options: ResolvedTaskOptions, host: TaskHost) {
    this.name = name;
    this.fn = fn;
    this.options = options;
    bindTaskHost(this, host);
  }

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
   * @throws {ArgsValidationError} when the arguments fail the task's `argsSchema`, or cannot be sent as JSON ({@link ArgsNotJsonError}).
   * @throws {PayloadTooLargeError} when the message exceeds the queue's size limit.
   * @throws {EnqueueError} when the queue refuses the message.
   * @example
   * const result = await sendEmail.delay('Welcome', 'Hello!', 'ada@example.com');
   */
  delay(...args: A): Promise<AsyncResult<TaskReturn<R>>> {
    return this.applyAsync(args);
  }

  /**
   * Sends the task with options (Celery: `apply_async`). With `kwargs`, `args` are the parameters
   * before the last, and `kwargs` is the last, an object (Celery: `apply_async(args, kwargs)`).
   * @throws {ArgsValidationError} when the arguments fail the task's `argsSchema`, or cannot be sent as JSON (ArgsNotJsonError).
   * @throws {OptionsError} when an option is out of range (the message names it and the value).
   * @throws {ConfigError} for a countdown or ETA beyond 15 minutes when the transport has no scheduler.
   * @throws {PayloadTooLargeError} when the message exceeds the queue's size limit.
   * @throws {EnqueueError} when the queue refuses the message.
   * @example
   * await exportUsers.applyAsync(['ops@example.com'], { countdownSeconds: 10, queue: 'exports' });
   * await greet.applyAsync(['ada'], { kwargs: { loud: true } }); // greet('ada', { loud: true })
   */
  applyAsync(
    args: [KwargsOf<A>] extends [never] ? A : PositionalOf<A>,
    options: ApplyOptions<Q> & { readonly kwargs: KwargsOf<A> },
  ): Promise<AsyncResult<TaskReturn<R>>>;
  applyAsync(args: A, options?: ApplyOptions<Q>): Promise<AsyncResult<TaskReturn<R>>>;
  async applyAsync(args: readonly unknown[], options: ApplyOptions<Q> & { readonly kwargs?: object } = {}): Promise<AsyncResult<TaskReturn<R>>> {
    return sendTask<TaskReturn<R>>(this, args, options as ApplyOptions<string> & { readonly kwargs?: Readonly<Record<string, unknown>> }, {});
  }

  /** A handle on an earlier call of this task, by id, typed with this task's result. */
  asyncResult(id: string): AsyncResult<TaskReturn<R>> {
    return taskHost(this).asyncResult<TaskReturn<R>>(id);
  }

  /** Runs the function here and now, without a queue (Celery: calling the task directly). */
  run(...args: A): R {
    return this.fn(...args);
  }
}

/** A task of any signature. */
// biome-ignore lint/suspicious/noExplicitAny: any task, whatever its arguments, result and queue (parameters are contravariant: unknown would not accept them)
export type AnyTask = Task<any, any, any>;
