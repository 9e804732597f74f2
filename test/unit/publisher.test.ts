import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EnqueueError, ErrorCode, PayloadTooLargeError } from '../../sdk/core/errors.js';
import { BatchingPublisher } from '../../sdk/core/publisher.js';
import { outgoing, RecordingBroker } from '../fixtures/broker.js';

const LINGER_MS = 5;

describe('BatchingPublisher', () => {
  let broker: RecordingBroker;
  let publisher: BatchingPublisher;

  beforeEach(() => {
    vi.useFakeTimers();
    broker = new RecordingBroker();
    publisher = new BatchingPublisher(() => broker, LINGER_MS);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  const publish = (id: string, bytes?: number, queue = 'shop-default') => publisher.publish(queue, 'math.add', outgoing(id, bytes));
  const ids = (n: number, prefix = 't') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

  it('sends 25 concurrent publishes as 3 batches of 10, 10 and 5, in order', async () => {
    const results = Promise.all(ids(25).map((id) => publish(id)));
    await vi.advanceTimersByTimeAsync(LINGER_MS);

    await expect(results).resolves.toEqual(ids(25).map((id) => `msg-${id}`));
    expect(broker.batchSizes()).toEqual([10, 10, 5]);
    expect(broker.sendBatchCalls.flatMap((c) => c.messages.map((m) => m.id))).toEqual(ids(25));
  });

  it('sends a full batch at once and a partial one only after lingerMs', async () => {
    const results = Promise.all(ids(12).map((id) => publish(id)));
    expect(broker.batchSizes()).toEqual([10]);

    await vi.advanceTimersByTimeAsync(LINGER_MS - 1);
    expect(broker.batchSizes()).toEqual([10]);
    await vi.advanceTimersByTimeAsync(1);
    expect(broker.batchSizes()).toEqual([10, 2]);
    await results;
  });

  it('keeps one buffer per queue', async () => {
    const results = Promise.all([publish('a', 20, 'q1'), publish('b', 20, 'q2'), publish('c', 20, 'q1')]);
    await vi.advanceTimersByTimeAsync(LINGER_MS);
    await results;

    expect(broker.sendBatchCalls.map((c) => [c.queueName, c.messages.map((m) => m.id)])).toEqual([
      ['q1', ['a', 'c']],
      ['q2', ['b']],
    ]);
  });

  it('rejects only the caller of a refused entry, with an EnqueueError carrying the broker code', async () => {
    broker.answer = (call) =>
      call.messages.map((m) =>
        m.id === 't1' ? { ok: false, code: 'InvalidParameterValue', message: 'DelaySeconds out of range' } : { ok: true, messageId: `msg-${m.id}` },
      );
    const settled = Promise.allSettled(ids(3).map((id) => publish(id)));
    await vi.advanceTimersByTimeAsync(LINGER_MS);

    const [first, second, third] = await settled;
    expect(first).toEqual({ status: 'fulfilled', value: 'msg-t0' });
    expect(third).toEqual({ status: 'fulfilled', value: 'msg-t2' });
    expect(second?.status).toBe('rejected');
    const error = (second as PromiseRejectedResult).reason as EnqueueError;
    expect(error).toBeInstanceOf(EnqueueError);
    expect(error.code).toBe(ErrorCode.ENQUEUE_FAILED);
    expect(error.brokerCode).toBe('InvalidParameterValue');
    expect(error.taskId).toBe('t1');
    expect(error.message).toContain('DelaySeconds out of range');
  });

  it('rejects every caller of a batch whose whole request failed, and no caller of another batch', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    broker.answer = (call, index) => {
      if (index === 0) throw throttled;
      return call.messages.map((m) => ({ ok: true, messageId: `msg-${m.id}` }));
    };
    const settled = Promise.allSettled(ids(13).map((id) => publish(id)));
    await vi.advanceTimersByTimeAsync(LINGER_MS);

    const outcomes = await settled;
    const rejected = outcomes.slice(0, 10);
    expect(rejected.every((o) => o.status === 'rejected')).toBe(true);
    for (const outcome of rejected) {
      const error = (outcome as PromiseRejectedResult).reason as EnqueueError;
      expect(error).toBeInstanceOf(EnqueueError);
      expect(error.brokerCode).toBe('ThrottlingException');
      expect(error.cause).toBe(throttled);
    }
    expect(outcomes.slice(10).map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
  });

  it('rejects an entry the broker gave no outcome for', async () => {
    broker.answer = () => [];
    const result = publish('lost');
    const caught = result.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(LINGER_MS);

    expect(await caught).toMatchObject({ name: 'EnqueueError', brokerCode: 'MissingOutcome' });
  });

  it('rejects an oversized message with PayloadTooLargeError naming size and limit, without calling the broker', async () => {
    broker = new RecordingBroker(100);
    publisher = new BatchingPublisher(() => broker, LINGER_MS);

    const error = await publish('huge', 101).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(LINGER_MS * 10);

    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ code: ErrorCode.PAYLOAD_TOO_LARGE, sizeBytes: 101, limitBytes: 100, taskName: 'math.add' });
    expect((error as Error).message).toContain('101 bytes');
    expect((error as Error).message).toContain('100 bytes');
    expect(broker.sendBatchCalls).toEqual([]);
  });

  it('accepts a message of exactly the limit', async () => {
    broker = new RecordingBroker(100);
    publisher = new BatchingPublisher(() => broker, LINGER_MS);

    const result = publish('exact', 100);
    await vi.advanceTimersByTimeAsync(LINGER_MS);

    await expect(result).resolves.toBe('msg-exact');
  });

  it('counts bytes as UTF-8, not as string length', async () => {
    broker = new RecordingBroker(10);
    publisher = new BatchingPublisher(() => broker, LINGER_MS);

    // 4 characters, 16 bytes.
    const error = await publisher.publish('q', 't', { id: 'e', body: '🥕🥕🥕🥕', delaySeconds: 0 }).catch((e: unknown) => e);

    expect(error).toMatchObject({ sizeBytes: 16, limitBytes: 10 });
  });

  it('starts a new batch when the next message would take the batch over the byte limit', async () => {
    broker = new RecordingBroker(100);
    publisher = new BatchingPublisher(() => broker, LINGER_MS);

    const results = Promise.all([publish('a', 40), publish('b', 40), publish('c', 40), publish('d', 20)]);
    expect(broker.batchSizes()).toEqual([2]);
    await vi.advanceTimersByTimeAsync(LINGER_MS);
    await results;

    expect(broker.sendBatchCalls.map((c) => c.messages.map((m) => m.id))).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    for (const call of broker.sendBatchCalls) {
      expect(call.messages.reduce((sum, m) => sum + Buffer.byteLength(m.body), 0)).toBeLessThanOrEqual(100);
    }
  });

  it('sends what is buffered and waits for requests in flight on drain()', async () => {
    let release!: () => void;
    broker.answer = (call) =>
      new Promise((resolve) => {
        release = () => resolve(call.messages.map((m) => ({ ok: true, messageId: `msg-${m.id}` })));
      });
    const result = publish('a');
    let drained = false;
    const draining = publisher.drain().then(() => {
      drained = true;
    });

    expect(broker.batchSizes()).toEqual([1]);
    await vi.advanceTimersByTimeAsync(0);
    expect(drained).toBe(false);
    release();
    await draining;
    await expect(result).resolves.toBe('msg-a');
  });
});
