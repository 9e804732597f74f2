import { randomUUID } from 'node:crypto';
import type { AsyncResult, GetOptions } from '../async-result.js';
import { DEFAULT_RESULT_POLL_INTERVAL_MS } from '../defaults.js';
import { OptionsError, ResultTimeoutError } from '../errors.js';
import type { Clock } from '../ports/clock.js';
import type { RevokeOutcome } from '../ports/result-backend.js';
import { isReadyState, TaskState } from '../states.js';
import type { TaskHost } from '../task-send.js';
import { sendSignatureData } from './send.js';
import { canvasHost, type AnyCanvas, type Canvas } from './signature.js';

/** Results of a list of canvas elements, in order. */
// biome-ignore lint/suspicious/noExplicitAny: any member result type; each is inferred back with `infer O`
export type ResultsOf<S extends readonly Canvas<[], any>[]> = { -readonly [K in keyof S]: S[K] extends Canvas<[], infer O> ? O : never };

/**
 * Handles on a group's tasks, in the order they were given (Celery: `GroupResult`).
 * @example
 * const results = await group(urls.map((url) => fetchPage.s(url))).delay();
 * const pages = await results.get({ timeoutMs: 60_000 }); // in the order of urls
 */
export class GroupResult<Rs extends readonly unknown[]> {
  constructor(
    /** Group id. */
    readonly id: string,
    /** One handle per member, in order. */
    readonly results: { readonly [K in keyof Rs]: AsyncResult<Rs[K]> },
    private readonly clock: Pick<Clock, 'now' | 'sleep'>,
  ) {}

  /** True once every member reached SUCCESS, FAILURE or REVOKED. */
  async ready(): Promise<boolean> {
    return (await this.states()).every((state) => isReadyState(state));
  }

  /** True when every member succeeded. */
  async successful(): Promise<boolean> {
    return (await this.states()).every((state) => state === TaskState.SUCCESS);
  }

  /** True when a member failed. */
  async failed(): Promise<boolean> {
    return (await this.states()).some((state) => state === TaskState.FAILURE);
  }

  /** Members that succeeded so far (Celery: `completed_count()`). */
  async completedCount(): Promise<number> {
    return (await this.states()).filter((state) => state === TaskState.SUCCESS).length;
  }

  /**
   * Waits for every member and returns their results in order.
   * @throws the first failed member's error (re-created) when `propagate` is on (default).
   * @throws {ResultTimeoutError} when not all are ready within `timeoutMs`.
   */
  async get(options: GetOptions = {}): Promise<Rs> {
    const { timeoutMs, intervalMs = DEFAULT_RESULT_POLL_INTERVAL_MS } = options;
    const deadline = timeoutMs === undefined ? Infinity : this.clock.now() + timeoutMs;
    const list = this.results as readonly AsyncResult<unknown>[];
    for (;;) {
      const states = await this.states();
      const failed = states.findIndex((state) => state === TaskState.FAILURE || state === TaskState.REVOKED);
      if (failed >= 0 && options.propagate !== false) await list[failed]!.get({ ...options, timeoutMs: 0 });
      if (states.every((state) => isReadyState(state))) {
        return (await Promise.all(list.map((result) => result.get({ ...options, timeoutMs: 0 })))) as unknown as Rs;
      }
      const left = deadline - this.clock.now();
      if (left <= 0) throw new ResultTimeoutError(this.id, timeoutMs ?? 0, `${states.filter((s) => isReadyState(s)).length}/${states.length} ready`);
      await this.clock.sleep(Math.min(intervalMs, left));
    }
  }

  /** Revokes every member not yet finished. */
  async revoke(options?: { terminate?: boolean; reason?: string }): Promise<RevokeOutcome[]> {
    return Promise.all((this.results as readonly AsyncResult<unknown>[]).map((result) => result.revoke(options)));
  }

  private states() {
    return Promise.all((this.results as readonly AsyncResult<unknown>[]).map((result) => result.state()));
  }
}

/**
 * Tasks sent together to run in parallel (Celery: `group`). Its result is a {@link GroupResult}
 * whose `get()` returns the members' results in the order given.
 * @example
 * const squares = await (await group([1, 2, 3].map((n) => square.s(n))).delay()).get(); // [1, 4, 9]
 */
// biome-ignore lint/suspicious/noExplicitAny: as on ResultsOf
export class Group<S extends readonly Canvas<[], any>[]> {
  constructor(
    /** The members, in order. */
    readonly members: S,
  ) {}

  /**
   * Sends every member; resolves once all are accepted by their queues.
   * @throws {OptionsError} for an empty group.
   */
  async applyAsync(): Promise<GroupResult<ResultsOf<S>>> {
    const host = groupHost(this.members);
    const id = randomUUID();
    const compiled = this.members.map((member: AnyCanvas) => member.compile({ groupId: id }));
    await Promise.all(compiled.map((c) => sendSignatureData(host, c.head)));
    return new GroupResult(id, compiled.map((c) => host.asyncResult(c.resultId)) as never, host.clock as Clock);
  }

  /** Same as `applyAsync()`. */
  delay(): Promise<GroupResult<ResultsOf<S>>> {
    return this.applyAsync();
  }
}

/** The app a group sends through: its first member's. @throws {OptionsError} for an empty group. */
function groupHost(members: readonly AnyCanvas[]): TaskHost {
  const first = members[0];
  if (!first) throw new OptionsError('group() needs at least one signature');
  return canvasHost(first);
}

/**
 * Makes a group (Celery: `group([...])`).
 * @example
 * group([add.s(1, 1), add.s(2, 2)])
 */
// biome-ignore lint/suspicious/noExplicitAny: as on ResultsOf
export function group<const S extends readonly Canvas<[], any>[]>(members: S): Group<S> {
  return new Group(members);
}
