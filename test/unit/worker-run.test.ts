import { afterEach, describe, expect, it, vi } from 'vitest';
import { currentTask, type TaskContext } from '../../sdk/core/context.js';
import { ErrorCode, NoTaskContextError, TaskRevokedError } from '../../sdk/core/errors.js';
import { decodeEnvelope } from '../../sdk/core/protocol/envelope.js';
import { TaskState } from '../../sdk/core/states.js';
import { memoryHarness } from '../helpers/memory-harness.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('Worker: running a task', () => {
  it('records SUCCESS with the result and acknowledges the message', async () => {
    const h = memoryHarness();
    const add = h.app.task('math.add', async (x: number, y: number) => x + y);
    const sent = await add.delay(2, 3);

    const [delivery] = await h.deliver();

    expect(delivery?.disposition).toBe('ack');
    expect(await h.backend.get(sent.id)).toMatchObject({
      id: sent.id,
      state: TaskState.SUCCESS,
      task: 'math.add',
      queue: 'default',
      result: 5,
      retries: 0,
      dateStarted: h.clock.date(),
      dateDone: h.clock.date(),
    });
    expect(await sent.get()).toBe(5);
    expect(h.broker.messages(h.queueName())).toEqual([]);
    expect(h.events.map((e) => e.type)).toEqual(['succeeded']);
  });

  it('records a task that returns nothing as SUCCESS with a null result', async () => {
    const h = memoryHarness();
    const noop = h.app.task('noop', async () => {});
    const sent = await noop.delay();

    await h.deliver();

    expect(await h.backend.get(sent.id)).toMatchObject({ state: TaskState.SUCCESS, result: null });
  });

  it('records FAILURE with type, message and stack when the task throws, and acknowledges', async () => {
    const h = memoryHarness();
    const explode = h.app.task('explode', async (what: string) => {
      throw new TypeError(`cannot explode ${what}`);
    });
    const sent = await explode.delay('carrots');

    const [delivery] = await h.deliver();

    expect(delivery?.disposition).toBe('ack');
    const record = await h.backend.get(sent.id);
    expect(record).toMatchObject({ state: TaskState.FAILURE, retries: 0, error: { type: 'TypeError', message: 'cannot explode carrots' } });
    expect(record?.error?.stack).toContain('TypeError: cannot explode carrots');
    expect(record?.error?.stack).toContain('worker-run.test.ts');
    await expect(sent.get()).rejects.toThrow(TypeError);
    expect(h.events.map((e) => e.type)).toEqual(['failed']);
  });

  it('records FAILURE when the result cannot be stored as JSON', async () => {
    const h = memoryHarness();
    const big = h.app.task('big', async () => 10n as unknown as number);
    const sent = await big.delay();

    await h.deliver();

    expect(await h.backend.get(sent.id)).toMatchObject({ state: TaskState.FAILURE, error: { type: 'TypeError' } });
  });

  it('costs one claim and one save for a successful task', async () => {
    const h = memoryHarness();
    const add = h.app.task('math.add', async (x: number, y: number) => x + y);
    await add.delay(1, 1);

    await h.deliver();

    expect(h.backend.writes).toEqual({ claim: 1, save: 1, forget: 0 });
  });

  it('costs one claim and no save for a successful task with ignoreResult', async () => {
    const h = memoryHarness();
    const add = h.app.task('math.add', async (x: number, y: number) => x + y, { ignoreResult: true });
    const sent = await add.delay(1, 1);

    await h.deliver();

    expect(h.backend.writes).toEqual({ claim: 1, save: 0, forget: 0 });
    expect((await h.backend.get(sent.id))?.state).toBe(TaskState.STARTED);
  });

  it('still records the failure of a task with ignoreResult', async () => {
    const h = memoryHarness();
    const fail = h.app.task(
      'fail',
      async () => {
        throw new Error('nope');
      },
      { ignoreResult: true },
    );
    const sent = await fail.delay();

    await h.deliver();

    expect((await h.backend.get(sent.id))?.state).toBe(TaskState.FAILURE);
  });

  it('passes kwargs as one last object argument', async () => {
    const h = memoryHarness();
    const calls: unknown[][] = [];
    h.app.task('greet', async (...args: unknown[]) => {
      calls.push(args);
      return 'ok';
    });
    await h.sendRaw(JSON.stringify({ id: 'k-1', task: 'greet', args: ['Ada'], kwargs: { punctuation: '!', times: 2 } }));
    await h.sendRaw(JSON.stringify({ id: 'k-2', task: 'greet', args: ['Bob'] }));

    await h.deliver();

    expect(calls).toEqual([['Ada', { punctuation: '!', times: 2 }], ['Bob']]);
  });

  it('gives the task its id, name, retries, queue, headers and a live signal through currentTask()', async () => {
    const h = memoryHarness();
    let seen: TaskContext | undefined;
    let aborted: boolean | undefined;
    const inspect = h.app.task('inspect', async () => {
      seen = currentTask();
      aborted = seen.signal.aborted;
    });
    const sent = await inspect.applyAsync([], { headers: { trace: 't-1' } });

    await h.deliver();

    expect(seen).toMatchObject({ id: sent.id, name: 'inspect', retries: 0, queue: 'default', headers: { trace: 't-1' }, parentId: null, rootId: sent.id });
    expect(seen?.signal).toBeInstanceOf(AbortSignal);
    expect(aborted).toBe(false);
  });

  it('throws NoTaskContextError from currentTask() outside a task', () => {
    expect(() => currentTask()).toThrow(NoTaskContextError);
  });

  it('sends a child task with the parent as parentId and the parent’s root as rootId', async () => {
    const h = memoryHarness();
    const child = h.app.task('child', async () => 'child');
    const parent = h.app.task('parent', async () => (await child.delay()).id);
    const sent = await parent.delay();

    await h.deliver();

    const [message] = h.broker.messages(h.queueName());
    const envelope = decodeEnvelope(message!.body);
    expect(envelope).toMatchObject({ task: 'child', parentId: sent.id, rootId: sent.id });
    expect(await sent.get()).toBe(envelope.id);
  });

  it('aborts the task’s signal safetyMarginMs before deadlineMs, and schedules another attempt', async () => {
    const h = memoryHarness({}, { safetyMarginMs: 1_000 });
    let abortedAt: number | undefined;
    const slow = h.app.task('slow', async () => {
      const { signal } = currentTask();
      await new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          abortedAt = Date.now();
          reject(signal.reason);
        });
      });
    });
    const sent = await slow.delay();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(h.clock.now());

    const delivering = h.deliver(undefined, { deadlineMs: h.clock.now() + 5_000 });
    await vi.advanceTimersByTimeAsync(3_999);
    expect(abortedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    const [delivery] = await delivering;

    expect(abortedAt).toBe(h.clock.now() + 4_000);
    expect(delivery?.disposition).toBe('requeue');
    expect(await h.backend.get(sent.id)).toMatchObject({
      state: TaskState.RETRY,
      retries: 1,
      error: { type: 'TimeLimitExceededError', code: ErrorCode.TIME_LIMIT_EXCEEDED },
    });
  });

  it('reports requeued messages as batchItemFailures and acknowledged ones not at all', async () => {
    const h = memoryHarness();
    const flaky = h.app.task('flaky', async (fail: boolean) => {
      if (fail) currentTask().retry({ countdownSeconds: 1 });
      return 'ok';
    });
    await flaky.delay(false);
    await flaky.delay(true);
    const records = h.receive();

    const response = await h.worker.processBatch(records);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: records[1]!.messageId }]);
  });

  it('settles one promise per record for settleBatch, rejected for the requeued ones', async () => {
    const h = memoryHarness();
    const flaky = h.app.task('flaky', async (fail: boolean) => {
      if (fail) currentTask().retry({ countdownSeconds: 1 });
      return 'ok';
    });
    await flaky.delay(true);
    await flaky.delay(false);

    const settled = await h.worker.settleBatch(h.receive());
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'fulfilled']);
  });
});

describe('Worker: duplicates, expiry and eta', () => {
  it('acknowledges a duplicate delivery of a finished task without running it again', async () => {
    const h = memoryHarness();
    const body = vi.fn(async (x: number) => x * 2);
    const double = h.app.task('double', body);
    await double.applyAsync([21], { taskId: 'dup-1' });
    await h.deliver();
    await double.applyAsync([21], { taskId: 'dup-1' });

    const [delivery] = await h.deliver();

    expect(delivery?.disposition).toBe('ack');
    expect(body).toHaveBeenCalledTimes(1);
    expect(await h.backend.get('dup-1')).toMatchObject({ state: TaskState.SUCCESS, result: 42 });
    expect(h.events.map((e) => e.type)).toEqual(['succeeded', 'duplicate']);
    expect(h.broker.messages(h.queueName())).toEqual([]);
  });

  it('puts a duplicate back until the live lease of another delivery ends, then runs it', async () => {
    const h = memoryHarness();
    const body = vi.fn(async () => 'ran');
    const task = h.app.task('leased', body);
    const leaseUntil = h.clock.date(180_000);
    await h.backend.claim({ id: 'lease-1', task: 'leased', queue: 'default', now: h.clock.date(), leaseUntil, expiresAt: 0 });
    await task.applyAsync([], { taskId: 'lease-1' });
    h.clock.advance(10_000);

    const [delivery] = await h.deliver();

    expect(delivery?.disposition).toBe('requeue');
    expect(body).not.toHaveBeenCalled();
    const [message] = h.broker.messages(h.queueName());
    expect(message?.visibleAt).toBeGreaterThanOrEqual(leaseUntil.getTime());
    expect(message?.visibleAt).toBeLessThanOrEqual(leaseUntil.getTime() + 2_000);
    expect(h.events).toContainEqual(expect.objectContaining({ type: 'deferred', reason: 'running' }));

    h.clock.advance(message!.visibleAt - h.clock.now());
    await h.deliver();
    expect(body).toHaveBeenCalledTimes(1);
    expect(await h.backend.get('lease-1')).toMatchObject({ state: TaskState.SUCCESS, result: 'ran' });
  });

  it('records REVOKED without running the body when expires has passed', async () => {
    const h = memoryHarness();
    const body = vi.fn(async () => 'late');
    const task = h.app.task('timely', body);
    const sent = await task.applyAsync([], { expires: 10 });
    h.clock.advance(10_001);

    const [delivery] = await h.deliver();

    expect(delivery?.disposition).toBe('ack');
    expect(body).not.toHaveBeenCalled();
    expect(await h.backend.get(sent.id)).toMatchObject({ state: TaskState.REVOKED, error: { type: 'TaskExpired', code: ErrorCode.TASK_REVOKED } });
    await expect(sent.get()).rejects.toBeInstanceOf(TaskRevokedError);
  });

  it('runs a task whose expires is still ahead', async () => {
    const h = memoryHarness();
    const task = h.app.task('timely', async () => 'on time');
    const sent = await task.applyAsync([], { expires: 10 });
    h.clock.advance(9_000);

    await h.deliver();

    expect(await sent.get()).toBe('on time');
  });

  // SQS is at-least-once: a duplicate may come after `expires`. A ready state never changes again.
  it('keeps a SUCCESS record when a duplicate arrives after expires', async () => {
    const h = memoryHarness();
    const body = vi.fn(async () => 'done');
    const task = h.app.task('once', body);
    const sent = await task.applyAsync([], { taskId: 'exp-dup', expires: 60 });
    await h.deliver();
    await task.applyAsync([], { taskId: 'exp-dup', expires: 60 });
    h.clock.advance(120_000);

    const [delivery] = await h.deliver();

    expect(delivery?.disposition).toBe('ack');
    expect(body).toHaveBeenCalledTimes(1);
    expect(await h.backend.get(sent.id)).toMatchObject({ state: TaskState.SUCCESS, result: 'done' });
  });

  it('keeps the retries made so far when a retried task expires', async () => {
    const h = memoryHarness();
    const body = vi.fn(async () => currentTask().retry({ countdownSeconds: 60 }));
    const task = h.app.task('slowpoke', body);
    const sent = await task.applyAsync([], { expires: 30 });
    await h.deliver();
    h.clock.advance(60_000);

    await h.deliver();

    expect(body).toHaveBeenCalledTimes(1);
    expect(await h.backend.get(sent.id)).toMatchObject({ state: TaskState.REVOKED, retries: 1 });
  });

  it('puts back a message whose eta is still ahead, without running it', async () => {
    const h = memoryHarness();
    const body = vi.fn(async () => 'later');
    h.app.task('later', body);
    await h.sendRaw(JSON.stringify({ id: 'eta-1', task: 'later', eta: h.clock.date(60_000).toISOString() }));

    const [delivery] = await h.deliver();

    expect(delivery?.disposition).toBe('requeue');
    expect(body).not.toHaveBeenCalled();
    expect(h.broker.messages(h.queueName())[0]?.visibleAt).toBe(h.clock.now() + 60_000);
    expect(await h.backend.get('eta-1')).toBeUndefined();
  });
});
