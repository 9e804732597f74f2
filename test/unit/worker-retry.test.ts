import { describe, expect, it, vi } from 'vitest';
import { currentTask } from '../../sdk/core/context.js';
import { ErrorCode } from '../../sdk/core/errors.js';
import { TaskState } from '../../sdk/core/states.js';
import { memoryHarness, type MemoryHarness } from '../helpers/memory-harness.js';

class GatewayBusyError extends Error {
  override name = 'GatewayBusyError';
}

/** Delivers, then moves the clock to when the message is visible again, until it leaves the queue. */
async function deliverUntilDone(h: MemoryHarness, maxRounds = 10): Promise<string[]> {
  const dispositions: string[] = [];
  for (let round = 0; round < maxRounds; round++) {
    const deliveries = await h.deliver();
    dispositions.push(...deliveries.map((d) => d.disposition));
    const left = h.broker.messages(h.queueName());
    if (left.length === 0) return dispositions;
    h.clock.advance(Math.max(0, Math.min(...left.map((m) => m.visibleAt)) - h.clock.now()));
  }
  throw new Error(`still on the queue after ${maxRounds} rounds`);
}

describe('Worker: retries', () => {
  it('records RETRY with retries 1 and puts the message back for countdownSeconds on currentTask().retry()', async () => {
    const h = memoryHarness();
    const charge = h.app.task('billing.charge', async (orderId: string) => {
      const { retries, retry } = currentTask();
      if (retries === 0) retry({ countdownSeconds: 5 });
      return `charged ${orderId} after ${retries} retries`;
    });
    const sent = await charge.delay('o-1');

    const [first] = await h.deliver();

    expect(first?.disposition).toBe('requeue');
    expect(await h.backend.get(sent.id)).toMatchObject({ state: TaskState.RETRY, retries: 1, retryAt: h.clock.date(5_000) });
    const [message] = h.broker.messages(h.queueName());
    expect(message?.visibleAt).toBe(h.clock.now() + 5_000);
    expect(h.events).toContainEqual(expect.objectContaining({ type: 'retry', retries: 1, countdownSeconds: 5 }));

    h.clock.advance(4_999);
    expect(await h.deliver()).toEqual([]);
    h.clock.advance(1);
    const [second] = await h.deliver();

    expect(second?.disposition).toBe('ack');
    expect(await h.backend.get(sent.id)).toMatchObject({ state: TaskState.SUCCESS, retries: 1, result: 'charged o-1 after 1 retries' });
    expect(h.broker.messages(h.queueName())).toEqual([]);
  });

  it('records the cause given to retry() as the RETRY error', async () => {
    const h = memoryHarness();
    const task = h.app.task('t', async () => {
      currentTask().retry({ countdownSeconds: 1, cause: new GatewayBusyError('503 from gateway') });
    });
    const sent = await task.delay();

    await h.deliver();

    expect((await h.backend.get(sent.id))?.error).toMatchObject({ type: 'GatewayBusyError', message: '503 from gateway' });
  });

  it('retries an error of a class listed in autoretryFor after the task’s retry delay', async () => {
    const h = memoryHarness();
    const body = vi.fn(async () => {
      if (currentTask().retries < 2) throw new GatewayBusyError('busy');
      return 'ok';
    });
    const task = h.app.task('auto', body, { autoretryFor: [GatewayBusyError], defaultRetryDelaySeconds: 7 });
    const sent = await task.delay();

    await h.deliver();
    expect(await h.backend.get(sent.id)).toMatchObject({ state: TaskState.RETRY, retries: 1, error: { type: 'GatewayBusyError' } });
    expect(h.broker.messages(h.queueName())[0]?.visibleAt).toBe(h.clock.now() + 7_000);

    expect(await deliverUntilDone(h)).toEqual(['requeue', 'ack']);
    expect(body).toHaveBeenCalledTimes(3);
    expect(await h.backend.get(sent.id)).toMatchObject({ state: TaskState.SUCCESS, retries: 2 });
  });

  it('does not retry an error outside autoretryFor', async () => {
    const h = memoryHarness();
    const task = h.app.task(
      'auto',
      async () => {
        throw new TypeError('bug');
      },
      { autoretryFor: [GatewayBusyError] },
    );
    const sent = await task.delay();

    const [delivery] = await h.deliver();

    expect(delivery?.disposition).toBe('ack');
    expect(await h.backend.get(sent.id)).toMatchObject({ state: TaskState.FAILURE, retries: 0, error: { type: 'TypeError' } });
  });

  it('retries when an autoretryFor predicate says so, and fails when it does not', async () => {
    const h = memoryHarness();
    const task = h.app.task(
      'pred',
      async (status: number) => {
        throw Object.assign(new Error(`HTTP ${status}`), { status });
      },
      { autoretryFor: (error) => (error as { status?: number }).status === 503, defaultRetryDelaySeconds: 1 },
    );
    const unavailable = await task.delay(503);
    const notFound = await task.delay(404);

    await h.deliver();

    expect((await h.backend.get(unavailable.id))?.state).toBe(TaskState.RETRY);
    expect((await h.backend.get(notFound.id))?.state).toBe(TaskState.FAILURE);
  });

  it('uses the task’s exponential backoff when retry() gives no countdown', async () => {
    const h = memoryHarness();
    const task = h.app.task('backoff', async () => currentTask().retry(), { retryBackoff: 4, retryJitter: false, maxRetries: 3 });
    await task.delay();

    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      await h.deliver();
      const [message] = h.broker.messages(h.queueName());
      delays.push((message!.visibleAt - h.clock.now()) / 1000);
      h.clock.advance(message!.visibleAt - h.clock.now());
    }

    expect(delays).toEqual([4, 8, 16]);
  });

  it('records FAILURE with the last error once maxRetries autoretries are spent', async () => {
    const h = memoryHarness();
    const body = vi.fn(async () => {
      throw new GatewayBusyError(`busy on attempt ${currentTask().retries + 1}`);
    });
    const task = h.app.task('hopeless', body, { autoretryFor: [GatewayBusyError], maxRetries: 2, defaultRetryDelaySeconds: 1 });
    const sent = await task.delay();

    expect(await deliverUntilDone(h)).toEqual(['requeue', 'requeue', 'ack']);

    expect(body).toHaveBeenCalledTimes(3);
    expect(await h.backend.get(sent.id)).toMatchObject({
      state: TaskState.FAILURE,
      retries: 2,
      error: { type: 'GatewayBusyError', message: 'busy on attempt 3' },
    });
    await expect(sent.get()).rejects.toMatchObject({ name: 'GatewayBusyError' });
  });

  it('records MaxRetriesExceededError when retry() without a cause runs out of retries', async () => {
    const h = memoryHarness();
    const task = h.app.task('again', async () => currentTask().retry({ countdownSeconds: 1 }), { maxRetries: 1 });
    const sent = await task.delay();

    await deliverUntilDone(h);

    expect(await h.backend.get(sent.id)).toMatchObject({
      state: TaskState.FAILURE,
      retries: 1,
      error: { type: 'MaxRetriesExceededError', code: ErrorCode.MAX_RETRIES_EXCEEDED },
    });
  });

  it('lets retry({ maxRetries }) override the task’s maxRetries', async () => {
    const h = memoryHarness();
    const task = h.app.task('strict', async () => currentTask().retry({ countdownSeconds: 1, maxRetries: 0, cause: new GatewayBusyError('no') }), {
      maxRetries: 5,
    });
    const sent = await task.delay();

    const [delivery] = await h.deliver();

    expect(delivery?.disposition).toBe('ack');
    expect(await h.backend.get(sent.id)).toMatchObject({ state: TaskState.FAILURE, retries: 0, error: { type: 'GatewayBusyError' } });
  });
});
