import { describe, expect, it } from 'vitest';
import { TaskState } from '../../sdk/core/states.js';
import { Inspector } from '../../sdk/inspect/inspector.js';
import type { QueueAdmin, TaskIndex } from '../../sdk/core/ports/inspection.js';
import { memoryHarness } from '../helpers/memory-harness.js';

const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('not used in this test')) });

describe('Inspector.revoke', () => {
  it('records REVOKED so the worker acknowledges the message without running the task', async () => {
    const h = memoryHarness();
    let runs = 0;
    const charge = h.app.task('billing.charge', async (orderId: string) => {
      runs += 1;
      return orderId;
    });
    const inspector = new Inspector({ app: h.app, tasks: unused as TaskIndex, queues: unused as QueueAdmin });
    const sent = await charge.delay('order-1');

    expect(await inspector.revoke(sent.id, 'customer cancelled')).toEqual({ revoked: true, state: TaskState.REVOKED });
    const [delivery] = await h.deliver();

    expect(delivery?.disposition).toBe('ack');
    expect(runs).toBe(0);
    const record = await h.backend.get(sent.id);
    expect(record).toMatchObject({ state: TaskState.REVOKED, error: { code: 'TASK_REVOKED', message: `Task ${sent.id} was revoked: customer cancelled` } });
    await expect(sent.get({ timeoutMs: 100 })).rejects.toThrow(/revoked/);
  });

  it('leaves a finished task as it is', async () => {
    const h = memoryHarness();
    const add = h.app.task('math.add', async (x: number, y: number) => x + y);
    const inspector = new Inspector({ app: h.app, tasks: unused as TaskIndex, queues: unused as QueueAdmin });
    const sent = await add.delay(1, 2);
    await h.deliver();

    expect(await inspector.revoke(sent.id)).toEqual({ revoked: false, state: TaskState.SUCCESS });
    expect(await sent.get({ timeoutMs: 100 })).toBe(3);
  });
});
