import { describe, expect, it } from 'vitest';
import { chord } from '../../sdk/core/canvas/chord.js';
import { ConfigError } from '../../sdk/core/errors.js';
import { memoryHarness } from '../helpers/memory-harness.js';

describe('a transport without a coordination store', () => {
  it('says what is missing when an idempotency key is used, and sends nothing', async () => {
    const h = memoryHarness();
    h.app.useTransport({ broker: h.broker, backend: h.backend });
    const add = h.app.task('math.add', async (x: number, y: number) => x + y);
    const error = await add.applyAsync([1, 2], { idempotencyKey: 'k-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /no coordination store: chords, rateLimit and idempotencyKey need one .*Pass `coordination` to app\.useTransport\(\)/,
    );
    expect(h.broker.messages(h.queueName())).toEqual([]);
  });

  it('says what is missing when a chord is applied', async () => {
    const h = memoryHarness();
    h.app.useTransport({ broker: h.broker, backend: h.backend });
    const add = h.app.task('math.add', async (x: number, y: number) => x + y);
    const sum = h.app.task('math.sum', async (values: number[]) => values.reduce((a, b) => a + b, 0));
    await expect(chord([add.s(1, 2), add.s(3, 4)], sum.s()).delay()).rejects.toThrow(ConfigError);
    expect(h.broker.messages(h.queueName())).toEqual([]);
  });

  it('keeps idempotency keys in the coordination store under <task>#<key>', async () => {
    const h = memoryHarness();
    const add = h.app.task('math.add', async (x: number, y: number) => x + y);
    const first = await add.applyAsync([1, 2], { idempotencyKey: 'k-1' });
    // The same key reserved directly under the documented name is taken by the first call.
    const direct = await h.coordination.reserveIdempotencyKey({
      key: 'math.add#k-1',
      taskId: 'other',
      now: h.clock.date(),
      windowEndsAt: Math.ceil(h.clock.now() / 1000) + 60,
    });
    expect(direct).toEqual({ status: 'taken', taskId: first.id });
  });
});
