import { describe, expect, it } from 'vitest';
import { TaskState } from '../../sdk/core/states.js';
import { Inspector } from '../../sdk/inspect/inspector.js';
import type { QueueAdmin, TaskIndex } from '../../sdk/core/ports/inspection.js';
import { memoryHarness } from '../helpers/memory-harness.js';

const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('not used in this test')) });

describe('Inspector.retry of a poison message’s record', () => {
  it('says the record exists, why it cannot be sent again, and where the message is', async () => {
    const h = memoryHarness();
    h.app.task('math.add', async (x: number, y: number) => x + y);
    const inspector = new Inspector({ app: h.app, tasks: unused as TaskIndex, queues: unused as QueueAdmin });
    await h.sendRaw('this is not json');
    await h.deliver();
    const [dead] = h.deadLetters();
    // The dead letter's reason names the record the worker wrote for it.
    const taskId = /"taskId":"([^"]+)"/.exec(JSON.stringify(dead))?.[1];
    if (!taskId) throw new Error(`no task id in the dead letter ${JSON.stringify(dead)}`);
    const record = await h.backend.get(taskId);
    expect(record?.state).toBe(TaskState.FAILURE);

    const error = await inspector.retry(taskId).catch((e: unknown) => e as Error);
    expect((error as Error).message).not.toMatch(/has no record/);
    expect((error as Error).message).toMatch(new RegExp(`Task ${taskId} cannot be sent again: its message was rejected as poison`));
    expect((error as Error).message).toMatch(/celeriac dlq list default/);
  });

  it('still says so for an id with no record at all', async () => {
    const h = memoryHarness();
    const inspector = new Inspector({ app: h.app, tasks: unused as TaskIndex, queues: unused as QueueAdmin });
    await expect(inspector.retry('never-sent')).rejects.toThrow('Task never-sent has no record to retry from.');
  });
});
