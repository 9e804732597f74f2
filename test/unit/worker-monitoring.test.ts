import { describe, expect, it } from 'vitest';
import { currentTask } from '../../sdk/core/context.js';
import { MAX_ARGS_REPR_CHARS } from '../../sdk/core/defaults.js';
import { TaskState } from '../../sdk/core/states.js';
import { argsRepr, REDACTED } from '../../sdk/worker/args-repr.js';
import { memoryHarness } from '../helpers/memory-harness.js';

describe('Worker: monitoring fields of the task record', () => {
  it('records the shown arguments, sent time from the envelope, runtime and the invocation id', async () => {
    const h = memoryHarness();
    const add = h.app.task('math.add', async (x: number, y: number) => {
      h.clock.advance(25);
      return x + y;
    });
    const sentAt = h.clock.date();
    const sent = await add.delay(4, 4);
    h.clock.advance(1_000);

    await h.deliver(undefined, { invocationId: 'req-42' });

    const record = await h.backend.get(sent.id);
    expect(record).toMatchObject({ state: TaskState.SUCCESS, argsRepr: '[4,4]', runtimeMs: 25, workerId: 'req-42', sentAt });
    expect(record?.kwargsRepr).toBeUndefined();
    expect(record?.retryHistory).toBeUndefined();
  });

  it('keeps a timeline entry per retry, through the final SUCCESS write', async () => {
    const h = memoryHarness();
    const flaky = h.app.task('flaky', async () => {
      const { retries, retry } = currentTask();
      if (retries < 2) retry({ countdownSeconds: 3, cause: new Error(`busy ${retries}`) });
      return 'ok';
    });
    const sent = await flaky.delay();
    for (let round = 0; round < 3; round++) {
      await h.deliver();
      h.clock.advance(3_000);
    }

    const record = await h.backend.get(sent.id);
    expect(record?.state).toBe(TaskState.SUCCESS);
    expect(record?.retryHistory?.map((r) => [r.countdownSeconds, r.error])).toEqual([
      [3, 'Error: busy 0'],
      [3, 'Error: busy 1'],
    ]);
    expect(record!.retryHistory![1]!.at.getTime()).toBeGreaterThan(record!.retryHistory![0]!.at.getTime());
  });

  it('shows nothing of the arguments of a task with redact: true, and what a redact function returns', async () => {
    const h = memoryHarness();
    const login = h.app.task('auth.login', async (_user: string, _password: string) => true, { redact: true });
    const mask = h.app.task('auth.mask', async (_user: string, _password: string) => true, { redact: ([user]) => [user, '***'] });
    const a = await login.delay('ada', 'hunter2');
    const b = await mask.delay('ada', 'hunter2');

    await h.deliver();

    expect((await h.backend.get(a.id))?.argsRepr).toBe(REDACTED);
    expect((await h.backend.get(b.id))?.argsRepr).toBe('["ada","***"]');
  });

  it('caps large arguments at MAX_ARGS_REPR_CHARS with an ellipsis', () => {
    const shown = argsRepr({ redact: false }, ['x'.repeat(5_000)], { flag: true });
    expect(shown.argsRepr).toHaveLength(MAX_ARGS_REPR_CHARS);
    expect(shown.argsRepr.endsWith('…')).toBe(true);
    expect(shown.kwargsRepr).toBe('{"flag":true}');
  });

  it('uses the broker’s sent timestamp for a hand-written message without sentAt', async () => {
    const h = memoryHarness();
    h.app.task('math.add', async (x: number, y: number) => x + y);
    const sentAt = h.clock.date();
    await h.sendRaw('{"id":"hand-1","task":"math.add","args":[1,2]}');
    h.clock.advance(700);

    await h.deliver();

    const record = await h.backend.get('hand-1');
    expect(record?.sentAt).toEqual(sentAt);
    expect(record?.dateStarted).toEqual(h.clock.date());
    expect(record?.argsRepr).toBe('[1,2]');
  });
});
