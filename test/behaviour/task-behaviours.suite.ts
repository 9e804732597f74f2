import { describe, expect, it } from 'vitest';
import {
  chain,
  chord,
  ChordError,
  currentTask,
  group,
  SoftTimeLimitExceededError,
  TaskRevokedError,
  TaskState,
  type App,
  type TaskFailure,
} from '../../sdk/index.js';

/** Counts body runs per key (never deliveries: a duplicate delivery must not count). */
export class RunCounter {
  private readonly runs = new Map<string, number>();
  add(key: string): number {
    const n = (this.runs.get(key) ?? 0) + 1;
    this.runs.set(key, n);
    return n;
  }
  get(key: string): number {
    return this.runs.get(key) ?? 0;
  }
}

/** The tasks the behaviour suite runs, registered on `app`. */
export function defineBehaviourTasks(app: App, runs: RunCounter) {
  const add = app.task('b.add', async (x: number, y: number) => {
    runs.add(`add:${x}+${y}`);
    return x + y;
  });
  const double = app.task('b.double', async (x: number) => x * 2);
  const describeNumber = app.task('b.describe', async (x: number, unit: string) => `${x} ${unit}`);
  const square = app.task('b.square', async (key: string, x: number) => {
    runs.add(`square:${key}:${x}`);
    return x * x;
  });
  const sum = app.task('b.sum', async (key: string, xs: number[]) => {
    runs.add(`sum:${key}`);
    return xs.reduce((a, b) => a + b, 0);
  });
  const sumFirst = app.task('b.sum-first', async (xs: (number | null)[], key: string) => {
    runs.add(`sum:${key}`);
    return xs.reduce<number>((a, b) => a + (b ?? 0), 0);
  });
  const boom = app.task('b.boom', async (key: string): Promise<number> => {
    runs.add(`boom:${key}`);
    throw new RangeError(`member ${key} broke`);
  });
  const onError = app.task('b.on-error', async (failure: TaskFailure, key: string) => {
    runs.add(`errback:${key}:${failure.error.type}:${failure.task}`);
  });
  const flaky = app.task(
    'b.flaky',
    async (key: string) => {
      const attempt = runs.add(`flaky:${key}`);
      if (attempt < 3) currentTask().retry({ countdownSeconds: 1 });
      return attempt;
    },
    { maxRetries: 5 },
  );
  const progress = app.task('b.progress', async (total: number) => {
    await currentTask().updateState({ state: 'PROGRESS', meta: { current: 1, total } });
    const seen = app.asyncResult(currentTask().id);
    return { state: await seen.state(), info: await seen.info() };
  });
  const soft = app.task(
    'b.soft',
    async () => {
      const { signal } = currentTask();
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      try {
        signal.throwIfAborted();
      } catch (error) {
        if (error instanceof SoftTimeLimitExceededError) return 'cleaned up after the soft limit';
        throw error;
      }
      return 'not aborted';
    },
    { softTimeLimitSeconds: 0.2 },
  );
  const hard = app.task(
    'b.hard',
    async (key: string) => {
      runs.add(`hard:${key}`);
      await new Promise((resolve) => setTimeout(resolve, 5_000)); // ignores its signal
      return 'finished anyway';
    },
    { timeLimitSeconds: 0.3, maxRetries: 0 },
  );
  const count = app.task('b.count', async (key: string) => runs.add(`count:${key}`));
  return { add, double, describeNumber, square, sum, sumFirst, boom, onError, flaky, progress, soft, hard, count };
}

/** How one environment runs the suite. */
export interface BehaviourEnvironment {
  readonly app: App;
  readonly tasks: ReturnType<typeof defineBehaviourTasks>;
  readonly runs: RunCounter;
  /** `get()` options for this environment (real or virtual time). */
  readonly wait: { readonly timeoutMs: number; readonly intervalMs: number };
  /**
   * False on a store whose conditional writes are not atomic under concurrency (moto): two copies of
   * one message handled at once may then both pass the claim, so a member body may run twice there.
   */
  readonly atomicClaims: boolean;
  /** Lets the worker run until `check` holds (eager mode: drives the queues). */
  until(check: () => Promise<boolean>, what: string): Promise<void>;
}

/**
 * Task behaviours that hold wherever tasks run: on the emulator with the local runtime, and in
 * `celeriac/testing`'s eager mode. Each test uses its own keys.
 */
export function describeTaskBehaviours(name: string, environment: () => BehaviourEnvironment): void {
  describe(`task behaviours: ${name}`, () => {
    const key = () => Math.random().toString(36).slice(2, 10);

    it('runs a chain of three typed tasks, passing each result on', async () => {
      const { tasks, wait } = environment();
      const result = await chain(tasks.add.s(2, 3), tasks.double.s(), tasks.describeNumber.s('apples')).delay();
      const value: string = await result.get(wait);
      expect(value).toBe('10 apples');
      const record = await result.record();
      // Each step's parent is the step before it; every step's root is the first.
      expect(record.parentId).toEqual(expect.any(String));
      const parent = await tasks.double.asyncResult(record.parentId!).record();
      expect(parent).toMatchObject({ task: 'b.double', state: 'SUCCESS', parentId: expect.any(String) });
      const first = await tasks.add.asyncResult(parent.parentId!).record();
      expect(first).toMatchObject({ task: 'b.add', state: 'SUCCESS', result: 5 });
      expect(first.parentId).toBeUndefined();
      expect(record.rootId).toBe(first.id);
      expect(parent.rootId).toBe(first.id);
    });

    it('returns a group of 20 results in order', async () => {
      const { tasks, wait } = environment();
      const k = key();
      const numbers = Array.from({ length: 20 }, (_, i) => i + 1);
      const results = await group(numbers.map((n) => tasks.square.s(k, n))).delay();
      const squares: number[] = await results.get(wait);
      expect(squares).toEqual(numbers.map((n) => n * n));
      expect(await results.completedCount()).toBe(20);
      expect(await results.ready()).toBe(true);
    });

    it('runs a chord of 50 and its callback once', async () => {
      const { tasks, wait, runs, atomicClaims } = environment();
      const k = key();
      const numbers = Array.from({ length: 50 }, (_, i) => i);
      const result = await chord(
        numbers.map((n) => tasks.square.s(k, n)),
        tasks.sumFirst.s(k),
      ).delay();
      const total: number = await result.get({ ...wait, timeoutMs: wait.timeoutMs * 1.5 });
      expect(total).toBe(numbers.reduce((a, n) => a + n * n, 0));
      for (const n of numbers) {
        if (atomicClaims) expect(runs.get(`square:${k}:${n}`)).toBe(1);
        else expect(runs.get(`square:${k}:${n}`)).toBeGreaterThanOrEqual(1);
      }
      expect(runs.get(`sum:${k}`)).toBe(1);
    });

    it('fails a chord whose member fails: ChordError on the callback, its errback called', async () => {
      const { tasks, wait, runs, until } = environment();
      const k = key();
      const result = await chord([tasks.square.s(k, 1), tasks.boom.s(k), tasks.square.s(k, 3)], tasks.sumFirst.s(k).linkError(tasks.onError.s(k))).delay();
      const error = await result.get(wait).catch((e: unknown) => e);
      expect((error as Error).name).toBe('ChordError');
      expect((error as Error).message).toContain('b.boom');
      expect((error as Error).message).toContain('member');
      const record = await result.record();
      expect(record.state).toBe(TaskState.FAILURE);
      expect(record.error?.code).toBe('CHORD_FAILED');
      expect(record.meta).toMatchObject({ failedTask: 'b.boom' });
      await until(async () => runs.get(`errback:${k}:ChordError:b.sum-first`) === 1, 'the errback');
      expect(runs.get(`sum:${k}`)).toBe(0);
      expect(ChordError.name).toBe('ChordError');
    });

    it('records FAILURE on the steps of a chain after a failed one', async () => {
      const { tasks, wait, runs } = environment();
      const k = key();
      const result = await chain(tasks.boom.s(k), tasks.double.s()).delay();
      await expect(result.get(wait)).rejects.toThrow(`member ${k} broke`);
      expect(runs.get(`boom:${k}`)).toBe(1);
    });

    it('sends link and linkError callbacks', async () => {
      const { tasks, wait, runs, until, app } = environment();
      const k = key();
      const failed = await tasks.boom.s(k).linkError(tasks.onError.s(k)).delay();
      await expect(failed.get(wait)).rejects.toThrow(RangeError);
      await until(async () => runs.get(`errback:${k}:RangeError:b.boom`) === 1, 'the errback');
      const linked = await tasks.add.s(20, 1).link(tasks.double.s()).delay();
      expect(await linked.get(wait)).toBe(21);
      const [child] = await linked.children();
      expect(child).toBeDefined();
      expect(await app.asyncResult<number>(child!).get(wait)).toBe(42);
    });

    it('retries with countdowns and succeeds', async () => {
      const { tasks, wait } = environment();
      const result = await tasks.flaky.delay(key());
      expect(await result.get(wait)).toBe(3);
      expect(await result.retries()).toBe(2);
    });

    it('never runs a task revoked before it starts', async () => {
      const { tasks, wait, runs, app } = environment();
      const k = key();
      const result = await tasks.count.applyAsync([k], { countdownSeconds: 2 });
      expect(await result.revoke()).toEqual({ status: 'revoked' });
      await expect(result.get(wait)).rejects.toBeInstanceOf(TaskRevokedError);
      const after = await tasks.count.delay(`${k}-after`);
      await after.get(wait);
      expect(runs.get(`count:${k}`)).toBe(0);
      expect((await app.asyncResult(result.id).record()).state).toBe(TaskState.REVOKED);
    });

    it('deduplicates sends with an idempotency key', async () => {
      const { tasks, wait, runs } = environment();
      const k = key();
      const first = await tasks.count.applyAsync([k], { idempotencyKey: `order-${k}` });
      const second = await tasks.count.applyAsync([k], { idempotencyKey: `order-${k}` });
      expect(second.id).toBe(first.id);
      const other = await tasks.count.applyAsync([k], { idempotencyKey: `order-${k}-other` });
      expect(other.id).not.toBe(first.id);
      await first.get(wait);
      await other.get(wait);
      expect(runs.get(`count:${k}`)).toBe(2);
    });

    it('shows a custom PROGRESS state and its meta to other readers', async () => {
      const { tasks, wait } = environment();
      const result = await tasks.progress.delay(10);
      expect(await result.get(wait)).toEqual({ state: 'PROGRESS', info: { current: 1, total: 10 } });
    });

    it('aborts the signal with SoftTimeLimitExceededError at the soft limit', async () => {
      const { tasks, wait } = environment();
      const result = await tasks.soft.delay();
      expect(await result.get(wait)).toBe('cleaned up after the soft limit');
    });

    it('fails a task at its hard time limit without waiting for it', async () => {
      const { tasks, wait, runs } = environment();
      const k = key();
      const result = await tasks.hard.delay(k);
      const error = await result.get(wait).catch((e: unknown) => e);
      expect((error as Error).name).toBe('TimeLimitExceededError');
      expect(await result.state()).toBe(TaskState.FAILURE);
      expect(runs.get(`hard:${k}`)).toBe(1);
    });
  });
}
