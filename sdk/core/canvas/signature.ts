import { randomUUID } from 'node:crypto';
import type { AsyncResult } from '../async-result.js';
import { OptionsError } from '../errors.js';
import type { ApplyOptions } from '../options.js';
import { taskHost, type SendableTask, type TaskHost } from '../task-send.js';
import { chainNodes, sendSignatureData, toJsonArgs, updateNode, type Compiled, type Placement } from './send.js';
import type { SignatureData, SignatureOptionsData, TaskFailure } from './signature-data.js';

/** Options a signature keeps (Celery: `sig.set(...)`): the JSON-able options of `applyAsync()`. */
export type SignatureOptions = Pick<ApplyOptions, 'queue' | 'countdownSeconds' | 'headers' | 'ignoreResult'> & {
  /** After this time (an ISO string, or seconds from when the task is sent) the task is not run. */
  readonly expires?: string | number;
};

/**
 * Anything that can be sent as one step of a workflow: a task signature or a chain. `P` is what it
 * takes from its parent (`[]`: nothing; `[T]`: the parent's result, first), `Out` its result as it
 * comes back over JSON.
 */
export abstract class Canvas<in P extends readonly unknown[], out Out> {
  /** @internal Type only: what the element takes from its parent, compared strictly (contravariant). */
  declare readonly acceptsInput?: (input: P) => void;
  /** @internal Type only: the element's result. */
  declare readonly producesResult?: Out;
  /** @internal Freezes the element with fresh task ids. */
  abstract compile(placement: Placement): Compiled;

  /**
   * Sends the workflow; the handle is on its result (a chain's: its last task's).
   * @throws what `applyAsync()` throws for its first task.
   */
  async applyAsync(...input: P): Promise<AsyncResult<Out>> {
    const host = canvasHost(this);
    const compiled = this.compile({});
    await sendSignatureData(host, compiled.head, input.length ? { value: input[0] } : undefined);
    return host.asyncResult<Out>(compiled.resultId);
  }

  /** Same as `applyAsync()` (Celery: `sig.delay()`). */
  delay(...input: P): Promise<AsyncResult<Out>> {
    return this.applyAsync(...input);
  }
}

/** A signature of any shape. */
// biome-ignore lint/suspicious/noExplicitAny: any canvas, whatever its arguments and result (parameters are contravariant: unknown would not accept them)
export type AnyCanvas = Canvas<any, any>;

/**
 * A task with its arguments and options, to send now or later, or to link (Celery: a signature).
 * Made with `task.s(...)` and `task.si(...)`; immutable: `link()`, `linkError()` and `set()` return
 * new signatures.
 * @example
 * const sig = add.s(2, 2).set({ queue: 'high' }).link(notify.s());
 * const result = await sig.delay(); // AsyncResult<number>
 */
export class Signature<in P extends readonly unknown[], out Out> extends Canvas<P, Out> {
  constructor(
    /** The task. */
    readonly task: SendableTask,
    /** Its partial arguments. */
    readonly args: readonly unknown[],
    /** True: the parent's result is not passed (Celery: `si()`). */
    readonly immutable: boolean,
    /** Options applied when it is sent. */
    readonly options: SignatureOptions = {},
    readonly links: readonly AnyCanvas[] = [],
    readonly errbacks: readonly AnyCanvas[] = [],
  ) {
    super();
  }

  /** A copy with these options merged in (Celery: `sig.set()`). */
  set(options: SignatureOptions): Signature<P, Out> {
    return new Signature(this.task, this.args, this.immutable, { ...this.options, ...options }, this.links, this.errbacks);
  }

  /**
   * A copy that sends `callback` with this task's result when it succeeds (Celery: `link`).
   * @example
   * add.s(2, 2).link(log.s()) // log(4) after add succeeds
   */
  link(callback: Canvas<[Out], unknown>): Signature<P, Out> {
    return new Signature(this.task, this.args, this.immutable, this.options, [...this.links, callback], this.errbacks);
  }

  /**
   * A copy that sends `errback` with a {@link TaskFailure} when this task fails for good (Celery:
   * `link_error`).
   * @example
   * charge.s('order-1').linkError(alertOps.s())
   */
  linkError(errback: Canvas<[TaskFailure], unknown>): Signature<P, Out> {
    return new Signature(this.task, this.args, this.immutable, this.options, this.links, [...this.errbacks, errback]);
  }

  /** @internal */
  compile(placement: Placement): Compiled {
    const id = randomUUID();
    const options = signatureOptions(this.options, placement.chord !== undefined);
    const head: SignatureData = {
      task: this.task.name,
      id,
      args: toJsonArgs(this.args),
      ...(this.immutable ? { immutable: true } : {}),
      ...(options ? { options } : {}),
      ...(this.links.length ? { links: this.links.map((link) => link.compile({}).head) } : {}),
      ...(this.errbacks.length ? { errbacks: this.errbacks.map((errback) => errback.compile({}).head) } : {}),
      ...(placement.groupId !== undefined ? { groupId: placement.groupId } : {}),
      ...(placement.chord !== undefined ? { chord: placement.chord } : {}),
    };
    return { head, resultId: id };
  }
}

/**
 * Tasks run one after the other, each given the previous one's result first (Celery: `chain`). Its
 * result is its last task's. When a task fails, the tasks after it are recorded FAILURE with the
 * same error and not run, so `get()` on the chain's result throws it.
 * @example
 * const result = await chain(fetchUser.s(7), render.s('html'), send.s()).delay();
 */
export class Chain<in P extends readonly unknown[], out Out> extends Canvas<P, Out> {
  constructor(
    /** The steps, in order. */
    readonly steps: readonly AnyCanvas[],
    private readonly errbacks: readonly AnyCanvas[] = [],
  ) {
    super();
    if (steps.length === 0) throw new OptionsError('chain() needs at least one signature');
  }

  /** A copy whose every task sends `errback` when it fails (Celery: `chain.on_error()`). */
  linkError(errback: Canvas<[TaskFailure], unknown>): Chain<P, Out> {
    return new Chain(this.steps, [...this.errbacks, errback]);
  }

  /** @internal */
  compile(placement: Placement): Compiled {
    let next: Compiled | undefined;
    let resultId = '';
    for (let i = this.steps.length - 1; i >= 0; i--) {
      const step = this.steps[i]!.compile(placement.groupId !== undefined ? { groupId: placement.groupId } : {});
      if (next === undefined) {
        resultId = step.resultId;
        next = placement.chord === undefined ? step : { head: updateNode(step.head, step.resultId, (node) => withChord(node, placement.chord!)), resultId };
      } else {
        const following = next.head;
        next = { head: updateNode(step.head, step.resultId, (node) => ({ ...node, links: [...(node.links ?? []), following] })), resultId };
      }
    }
    let head = next!.head;
    if (this.errbacks.length) {
      for (const node of chainNodes(head)) {
        const errbacks = this.errbacks.map((errback) => errback.compile({}).head);
        head = updateNode(head, node.id, (n) => ({ ...n, errbacks: [...(n.errbacks ?? []), ...errbacks] }));
      }
    }
    return { head, resultId };
  }
}

/** The app a canvas element sends through: its (first) task's. */
export function canvasHost(canvas: AnyCanvas): TaskHost {
  if (canvas instanceof Signature) return taskHost(canvas.task);
  if (canvas instanceof Chain) return canvasHost(canvas.steps[0]!);
  throw new TypeError('Not a celeriac signature or chain: make one with task.s(), task.si() or chain().');
}

/** Sets the chord on a node; a chord member's result is always stored (the callback reads it). */
function withChord(node: SignatureData, chord: string): SignatureData {
  return { ...node, chord, options: { ...node.options, ignoreResult: false } };
}

function signatureOptions(options: SignatureOptions, chordMember: boolean): SignatureOptionsData | undefined {
  const data: SignatureOptionsData = {
    ...(options.queue !== undefined ? { queue: options.queue } : {}),
    ...(options.countdownSeconds !== undefined ? { countdownSeconds: options.countdownSeconds } : {}),
    ...(options.expires !== undefined ? { expires: options.expires } : {}),
    ...(options.headers !== undefined ? { headers: options.headers } : {}),
    ...(chordMember ? { ignoreResult: false } : options.ignoreResult !== undefined ? { ignoreResult: options.ignoreResult } : {}),
  };
  return Object.keys(data).length ? data : undefined;
}

/**
 * Chains steps: each step gets the previous step's result first; the chain's result is the last
 * step's (Celery: `chain(a, b, c)` or `a | b | c`). Types flow through: a step must accept the
 * previous result, or be immutable (`si()`). Up to six steps are typed; nest chains for more
 * (`chain(chain(a, b, c), d, e)`).
 * @throws {OptionsError} when given no step.
 * @example
 * const total = await (await chain(add.s(2, 2), add.s(4), add.s(8)).delay()).get(); // 16
 */
export function chain<P extends readonly unknown[], O1>(a: Canvas<P, O1>): Chain<P, O1>;
export function chain<P extends readonly unknown[], O1, O2>(a: Canvas<P, O1>, b: Canvas<[O1], O2>): Chain<P, O2>;
export function chain<P extends readonly unknown[], O1, O2, O3>(a: Canvas<P, O1>, b: Canvas<[O1], O2>, c: Canvas<[O2], O3>): Chain<P, O3>;
export function chain<P extends readonly unknown[], O1, O2, O3, O4>(
  a: Canvas<P, O1>,
  b: Canvas<[O1], O2>,
  c: Canvas<[O2], O3>,
  d: Canvas<[O3], O4>,
): Chain<P, O4>;
export function chain<P extends readonly unknown[], O1, O2, O3, O4, O5>(
  a: Canvas<P, O1>,
  b: Canvas<[O1], O2>,
  c: Canvas<[O2], O3>,
  d: Canvas<[O3], O4>,
  e: Canvas<[O4], O5>,
): Chain<P, O5>;
export function chain<P extends readonly unknown[], O1, O2, O3, O4, O5, O6>(
  a: Canvas<P, O1>,
  b: Canvas<[O1], O2>,
  c: Canvas<[O2], O3>,
  d: Canvas<[O3], O4>,
  e: Canvas<[O4], O5>,
  f: Canvas<[O5], O6>,
): Chain<P, O6>;
// biome-ignore lint/suspicious/noExplicitAny: an untyped chain's first arguments are not known
export function chain(...steps: AnyCanvas[]): Chain<any, unknown> {
  return new Chain(steps);
}
