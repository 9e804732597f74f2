import { describe, expect, it } from 'vitest';
import { TaskState } from '../../sdk/core/states.js';
import { memoryHarness } from '../helpers/memory-harness.js';

/** A promise and the function that resolves it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('Worker: hooks', () => {
  it('settles the disposition and the record before waiting for a hung hook, and stops waiting at hookTimeoutMs', async () => {
    const h = memoryHarness({}, { hookTimeoutMs: 50 });
    const add = h.app.task('math.add', async (x: number, y: number) => x + y);
    const hung = gate();
    let recordWhenHookRan: string | undefined;
    h.app.on('success', async ({ id }) => {
      recordWhenHookRan = (await h.backend.get(id))?.state;
      await hung.promise;
    });
    const sent = await add.delay(2, 3);

    const started = Date.now();
    const [delivery] = await h.deliver();
    const waitedMs = Date.now() - started;

    expect(delivery?.disposition).toBe('ack');
    expect(waitedMs).toBeGreaterThanOrEqual(45);
    expect(waitedMs).toBeLessThan(1000);
    expect(recordWhenHookRan).toBe(TaskState.SUCCESS);
    expect((await h.backend.get(sent.id))?.state).toBe(TaskState.SUCCESS);
    expect(h.events.map((e) => e.type)).toEqual(['succeeded', 'hooks-pending']);
    expect(h.events[1]).toMatchObject({ type: 'hooks-pending', messageId: delivery?.message.messageId, pending: 1, waitedMs: 50 });
    hung.open();
  });

  it('runs the handlers of one hook concurrently: a slow one does not hold back the next', async () => {
    const h = memoryHarness();
    const noop = h.app.task('noop', async () => null);
    const slow = gate();
    const seen: string[] = [];
    h.app.on('postrun', async () => {
      seen.push('slow started');
      await slow.promise;
      seen.push('slow finished');
    });
    h.app.on('postrun', () => {
      seen.push('fast');
      slow.open();
    });
    await noop.delay();

    await h.deliver();

    expect(seen).toEqual(['slow started', 'fast', 'slow finished']);
    expect(h.events.map((e) => e.type)).toEqual(['succeeded']);
  });

  it('waits no longer than the invocation allows, less the safety margin', async () => {
    const h = memoryHarness({}, { hookTimeoutMs: 60_000, safetyMarginMs: 100 });
    const noop = h.app.task('noop', async () => null);
    const hung = gate();
    h.app.on('prerun', () => hung.promise);
    await noop.delay();

    const started = Date.now();
    const [delivery] = await h.deliver(undefined, { deadlineMs: Date.now() + 400 });

    expect(delivery?.disposition).toBe('ack');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(h.events.map((e) => e.type)).toEqual(['succeeded', 'hooks-pending']);
    hung.open();
  });

  it('logs a throwing hook through the app’s hook error handler and keeps the outcome', async () => {
    const h = memoryHarness();
    const fail = h.app.task('fails', async () => {
      throw new Error('task failed');
    });
    h.app.on('failure', () => {
      throw new Error('hook failed');
    });
    const sent = await fail.delay();

    const [delivery] = await h.deliver();

    expect(delivery?.disposition).toBe('ack');
    expect((await h.backend.get(sent.id))?.state).toBe(TaskState.FAILURE);
    expect(h.events.map((e) => e.type)).toEqual(['failed']);
  });
});
