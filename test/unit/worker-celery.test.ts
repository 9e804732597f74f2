import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../sdk/core/errors.js';
import { encodeCeleryMessage } from '../../sdk/core/protocol/celery-encode.js';
import { countdownGroupOf } from '../../sdk/core/schedule/definition.js';
import { capturedMessages, handmadeCases } from '../fixtures/celery-wire.js';
import { memoryHarness } from '../helpers/memory-harness.js';

const captured = (file: string) => capturedMessages().find((m) => m.file === file)!;

function celeryHarness() {
  const h = memoryHarness();
  h.app.task('math.add', async (x: number, y: number) => x + y);
  h.app.task('math.mul', async (x: number, y: number) => x * y);
  h.app.task('math.tsum', async (xs: number[]) => xs.reduce((a, b) => a + b, 0));
  return h;
}

describe('Worker: Celery messages', () => {
  it('runs a captured send_task("math.add", (4, 4)) and records SUCCESS 8 under the Celery task id', async () => {
    const h = celeryHarness();
    const message = captured('add_basic.json');
    await h.sendRaw(message.body);
    await h.deliver();
    expect(await h.backend.get(message.headers.id as string)).toMatchObject({ state: 'SUCCESS', result: 8, task: 'math.add' });
  });

  it('runs a captured chain add(1, 2) | mul(3) | mul(10) in order, under the preassigned ids', async () => {
    const h = celeryHarness();
    const message = captured('chain_3.json');
    const chain = message.taskBody[2].chain as { options: { task_id: string } }[];
    await h.sendRaw(message.body);
    for (let i = 0; i < 3; i++) await h.deliver();
    expect((await h.backend.get(chain[1]!.options.task_id))?.result).toBe(9);
    expect(await h.backend.get(chain[0]!.options.task_id)).toMatchObject({ state: 'SUCCESS', result: 90, parentId: chain[1]!.options.task_id });
  });

  it('refuses a Celery chord header: FAILURE saying why, message in the DLQ, callback never sent', async () => {
    const h = celeryHarness();
    const message = captured('chord_2.json');
    await h.sendRaw(message.body);
    await h.deliver();
    const record = await h.backend.get(message.headers.id as string);
    expect(record).toMatchObject({ state: 'FAILURE', task: 'math.add', error: { code: ErrorCode.CELERY_NOT_SUPPORTED } });
    expect(record?.error?.message).toMatch(/chord header .*celeriac does not update/);
    expect(h.deadLetters()).toHaveLength(1);
    expect(h.receive()).toHaveLength(0);
  });

  for (const name of ['body_without_embed', 'missing_id_header', 'minimal_no_content_type', 'inner_base64_without_body_encoding', 'missing_properties_key']) {
    it(`treats the hand-made message that Celery ${name === 'missing_properties_key' || name.startsWith('inner') ? 'drops' : 'crashes on'} (${name}) as poison: recorded when it has an id, and dead-lettered`, async () => {
      const h = celeryHarness();
      const row = handmadeCases().find((r) => r.case === name)!;
      await h.sendRaw(row.body);
      const [delivered] = await h.deliver();
      expect(delivered?.disposition).toBe('ack');
      expect(h.deadLetters()).toHaveLength(1);
      expect(h.deadLetters()[0]?.reason?.code).toBe(ErrorCode.CELERY_MESSAGE_INVALID);
      if (row.taskId && name !== 'missing_id_header') expect(await h.backend.get(row.taskId)).toMatchObject({ state: 'FAILURE', error: { code: ErrorCode.CELERY_MESSAGE_INVALID } });
    });
  }

  it('records REVOKED for a Celery task whose expires has passed, without running it', async () => {
    const h = celeryHarness();
    const id = randomUUID();
    await h.sendRaw(encodeCeleryMessage({ task: 'math.add', id, args: [1, 1], queue: 'default', expires: h.clock.date(-1000).toISOString() }));
    await h.deliver();
    expect(await h.backend.get(id)).toMatchObject({ state: 'REVOKED' });
  });

  it('hands an eta beyond 15 minutes to a one-time schedule and drops the message: no redelivery loop', async () => {
    const h = celeryHarness();
    const id = randomUUID();
    const eta = h.clock.date(3 * 3600_000);
    await h.sendRaw(encodeCeleryMessage({ task: 'math.add', id, args: [2, 3], queue: 'default', eta: eta.toISOString() }));
    const [delivered] = await h.deliver();
    expect(delivered?.disposition).toBe('ack');
    expect(h.receive()).toHaveLength(0);
    const [schedule] = await h.scheduler.list(countdownGroupOf('unit'));
    expect(schedule?.expression).toBe(`at(${eta.toISOString().slice(0, 19)})`);
    // When it fires, the schedule's input is an envelope the worker runs.
    h.clock.advance(3 * 3600_000);
    await h.sendRaw(schedule!.input!);
    await h.deliver();
    expect(await h.backend.get(id)).toMatchObject({ state: 'SUCCESS', result: 5 });
  });

  it('defers a near eta on the queue until it is due', async () => {
    const h = celeryHarness();
    const id = randomUUID();
    await h.sendRaw(encodeCeleryMessage({ task: 'math.add', id, args: [2, 2], queue: 'default', eta: h.clock.date(60_000).toISOString() }));
    expect((await h.deliver())[0]?.disposition).toBe('requeue');
    expect(await h.backend.get(id)).toBeUndefined();
  });

  it('passes Chinese kwargs to the task as its last argument', async () => {
    const h = memoryHarness();
    h.app.task('email.send', async (to: string, opts: { subject: string }) => `${to}:${opts.subject}`);
    const id = randomUUID();
    await h.sendRaw(encodeCeleryMessage({ task: 'email.send', id, args: ['x@qq.com'], kwargs: { subject: '主题' }, queue: 'default' }));
    await h.deliver();
    expect((await h.backend.get(id))?.result).toBe('x@qq.com:主题');
  });

  it("stops a task at the message's own time limit (Celery's time_limit=), tighter than the task's", async () => {
    const h = memoryHarness();
    h.app.task('slow.sleep', async () => new Promise((resolve) => setTimeout(resolve, 5_000)), { timeLimitSeconds: 20 });
    const id = randomUUID();
    await h.sendRaw(encodeCeleryMessage({ task: 'slow.sleep', id, args: [], queue: 'default', timeLimit: [0.2, null] }));
    const started = Date.now();
    await h.deliver();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await h.backend.get(id)).toMatchObject({ state: 'FAILURE', error: { code: ErrorCode.TIME_LIMIT_EXCEEDED } });
  });
});
