import { describe, expect, it } from 'vitest';
import { currentTask } from '../../sdk/core/context.js';
import { TaskState } from '../../sdk/core/states.js';
import { memoryHarness } from '../helpers/memory-harness.js';

describe('Worker: lean mode (duplicateProtection: false)', () => {
  it('costs no DynamoDB write for a successful task with ignoreResult', async () => {
    const h = memoryHarness();
    const add = h.app.task('math.add', async (x: number, y: number) => x + y, { ignoreResult: true, duplicateProtection: false });
    const sent = await add.delay(1, 1);

    const [delivery] = await h.deliver();

    expect(delivery?.disposition).toBe('ack');
    expect(h.backend.writes).toEqual({ claim: 0, save: 0, forget: 0 });
    expect(await h.backend.get(sent.id)).toBeUndefined();
    expect(h.events.map((e) => e.type)).toEqual(['succeeded']);
  });

  it('still records SUCCESS, with one write, when the result is kept', async () => {
    const h = memoryHarness({ duplicateProtection: false });
    const add = h.app.task('math.add', async (x: number, y: number) => x + y);
    const sent = await add.delay(2, 3);

    await h.deliver();

    expect(h.backend.writes).toEqual({ claim: 0, save: 1, forget: 0 });
    expect(await sent.get()).toBe(5);
  });

  it('runs a duplicate delivery of a finished task again, unlike the default', async () => {
    const runs = { lean: 0, guarded: 0 };
    for (const mode of ['lean', 'guarded'] as const) {
      const h = memoryHarness();
      const _noop = h.app.task(
        'noop',
        async () => {
          runs[mode] += 1;
        },
        { duplicateProtection: mode === 'guarded' },
      );
      const body = JSON.stringify({ id: 'same-id', task: 'noop', args: [] });
      await h.sendRaw(body);
      await h.sendRaw(body);

      await h.deliver();
    }

    expect(runs).toEqual({ lean: 2, guarded: 1 });
  });

  it('counts retries from the message receive count and records the failure once retries run out', async () => {
    const h = memoryHarness();
    const seen: number[] = [];
    const flaky = h.app.task(
      'flaky',
      async () => {
        seen.push(currentTask().retries);
        currentTask().retry({ countdownSeconds: 1 });
      },
      { duplicateProtection: false, maxRetries: 2 },
    );
    const sent = await flaky.delay();

    for (let round = 0; round < 3; round++) {
      await h.deliver();
      h.clock.advance(1_000);
    }

    expect(seen).toEqual([0, 1, 2]);
    expect(await h.backend.get(sent.id)).toMatchObject({ state: TaskState.FAILURE, retries: 2 });
    expect(h.backend.writes.claim).toBe(0);
    expect(h.broker.messages(h.queueName())).toEqual([]);
  });
});
