import * as v from 'valibot';
import { type } from 'arktype';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createCoreApp } from '../../sdk/core/app.js';
import { ArgsValidationError, CeleriacError, ConfigError, ErrorCode, OptionsError, UnknownTaskError } from '../../sdk/core/errors.js';
import { decodeEnvelope } from '../../sdk/core/protocol/envelope.js';
import { memoryHarness } from '../helpers/memory-harness.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('createCoreApp', () => {
  it.each(['Shop', '', '-shop', 'shop_app', 'shop.app', 'a'.repeat(41), 'café'])('rejects the app name %j, quoting it', (name) => {
    const error = thrown(() => createCoreApp({ name }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe(ErrorCode.CONFIG_INVALID);
    expect((error as Error).message).toContain(`received ${JSON.stringify(name)}`);
  });

  it.each(['a', 'shop', 'shop-2', '9lives', 'a'.repeat(40)])('accepts the app name %j', (name) => {
    expect(createCoreApp({ name }).name).toBe(name);
  });

  it('derives physical names from the app name', () => {
    const app = createCoreApp({ name: 'shop', queues: { default: {}, exports: {} } });
    expect(app.queue('exports')).toMatchObject({ queueName: 'shop-exports', deadLetterQueueName: 'shop-exports-dlq' });
    expect(app.resultsTableName).toBe('shop-results');
    expect(app.defaultQueue).toBe('default');
  });

  it('rejects a defaultQueue that is not declared, listing the declared ones', () => {
    // @ts-expect-error an undeclared defaultQueue does not compile either; this checks the run-time guard
    const error = thrown(() => createCoreApp({ name: 'shop', queues: { fast: {} }, defaultQueue: 'slow' }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('"slow"');
    expect((error as Error).message).toContain('declared: fast');
  });

  it('rejects a visibility timeout shorter than the worker timeout', () => {
    const error = thrown(() => createCoreApp({ name: 'shop', worker: { timeoutSeconds: 60 }, queues: { default: { visibilityTimeoutSeconds: 59 } } }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/visibilityTimeoutSeconds.*60.*received 59/);
  });

  it('rejects a batch size above 10 without a batching window', () => {
    const error = thrown(() => createCoreApp({ name: 'shop', queues: { default: { batchSize: 11 } } }));
    expect((error as Error).message).toContain('maxBatchingWindowSeconds');
    expect(createCoreApp({ name: 'shop', queues: { default: { batchSize: 11, maxBatchingWindowSeconds: 1 } } }).queue('default').batchSize).toBe(11);
  });

  it('rejects a maxConcurrency outside 2–1000', () => {
    expect(thrown(() => createCoreApp({ name: 'shop', queues: { default: { maxConcurrency: 1 } } }))).toBeInstanceOf(ConfigError);
  });
});

describe('app.task()', () => {
  it('rejects a task on an undeclared queue, naming it and the declared queues', () => {
    const { app } = memoryHarness();
    const error = thrown(() => app.task('t', () => 1, { queue: 'exports' }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('"exports"');
    expect((error as Error).message).toContain('declared: default');
  });

  it('rejects a second task of the same name with TASK_ALREADY_REGISTERED', () => {
    const { app } = memoryHarness();
    app.task('math.add', (x: number, y: number) => x + y);
    const error = thrown(() => app.task('math.add', () => 0));
    expect(error).toBeInstanceOf(CeleriacError);
    expect((error as CeleriacError).code).toBe(ErrorCode.TASK_ALREADY_REGISTERED);
    expect((error as Error).message).toContain('"math.add"');
  });

  it('rejects an empty task name', () => {
    const { app } = memoryHarness();
    expect(thrown(() => app.task('', () => 0))).toBeInstanceOf(ConfigError);
  });

  it('rejects maxRetries ≥ maxReceiveCount − 1, naming both and the fix', () => {
    const { app } = memoryHarness({ queues: { default: { maxReceiveCount: 5 } } });
    const error = thrown(() => app.task('t', () => 0, { maxRetries: 4 }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('4 retries');
    expect((error as Error).message).toContain('after 5 deliveries');
    expect((error as Error).message).toContain('maxReceiveCount');
    expect(app.task('ok', () => 0, { maxRetries: 3 }).options.retry.maxRetries).toBe(3);
  });

  it('checks the app-level maxRetries against the queue too', () => {
    const { app } = memoryHarness({ maxRetries: 9 });
    expect(thrown(() => app.task('t', () => 0))).toBeInstanceOf(ConfigError);
  });

  it('rejects a negative or fractional maxRetries', () => {
    const { app } = memoryHarness();
    expect(thrown(() => app.task('a', () => 0, { maxRetries: -1 }))).toBeInstanceOf(ConfigError);
    expect(thrown(() => app.task('b', () => 0, { maxRetries: 1.5 }))).toBeInstanceOf(ConfigError);
  });

  it('resolves options call > task > app > default', () => {
    const { app } = memoryHarness({ retryBackoff: 2, defaultRetryDelaySeconds: 30 });
    const plain = app.task('plain', () => 0);
    const tuned = app.task('tuned', () => 0, { retryBackoff: false, maxRetries: 1 });

    expect(plain.options.retry).toEqual({
      maxRetries: 3,
      retryBackoff: 2,
      retryBackoffMaxSeconds: 600,
      retryJitter: true,
      defaultRetryDelaySeconds: 30,
    });
    expect(tuned.options.retry).toMatchObject({ maxRetries: 1, retryBackoff: false, defaultRetryDelaySeconds: 30 });
  });

  it('throws UnknownTaskError listing the registered tasks from getTask()', () => {
    const { app } = memoryHarness();
    app.task('math.add', () => 0);
    const error = thrown(() => app.getTask('math.mul'));
    expect(error).toBeInstanceOf(UnknownTaskError);
    expect((error as Error).message).toContain('"math.mul"');
    expect((error as Error).message).toContain('registered: math.add');
  });
});

describe('task.applyAsync() options', () => {
  const setup = () => {
    const h = memoryHarness();
    const add = h.app.task('math.add', async (x: number, y: number) => x + y);
    const sent = () => h.broker.messages(h.queueName()).map((m) => ({ ...m, envelope: decodeEnvelope(m.body) }));
    return { ...h, add, sent };
  };

  it('sends a countdown beyond 900 s through a one-time schedule that deletes itself, not the queue', async () => {
    const { add, sent, scheduler, clock } = setup();
    const result = await add.applyAsync([1, 2], { countdownSeconds: 20 * 60 });
    expect(sent()).toEqual([]);
    const [countdown, ...others] = await scheduler.list('unit-eta');
    expect(others).toEqual([]);
    expect(countdown).toMatchObject({
      name: `eta-${result.id}`,
      expression: `at(${clock
        .date(20 * 60_000)
        .toISOString()
        .slice(0, 19)})`,
      timezone: 'UTC',
      deleteAfterCompletion: true,
      queueName: 'unit-default',
    });
    const envelope = decodeEnvelope(countdown!.input!);
    expect(envelope).toMatchObject({ id: result.id, task: 'math.add', args: [1, 2], eta: clock.date(20 * 60_000).toISOString() });
  });

  it('says what is missing when a countdown beyond 900 s has no scheduler to wait in', async () => {
    const h = memoryHarness();
    h.app.useTransport({ broker: h.broker, backend: h.backend });
    const add = h.app.task('math.add', async (x: number, y: number) => x + y);
    const error = await add.applyAsync([1, 2], { countdownSeconds: 901 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/no scheduler: .*countdowns beyond 15 minutes/);
    expect(h.broker.messages(h.queueName())).toEqual([]);
  });

  it('sends a countdown of 900 s as a 900 s delay with the eta in the envelope', async () => {
    const { add, sent, clock } = setup();
    await add.applyAsync([1, 2], { countdownSeconds: 900 });
    const [message] = sent();
    expect(message?.visibleAt).toBe(clock.now() + 900_000);
    expect(message?.envelope.eta).toBe(clock.date(900_000).toISOString());
  });

  it('sends an eta more than 15 minutes ahead through a one-time schedule', async () => {
    const { add, clock, scheduler } = setup();
    await add.applyAsync([1, 2], { eta: clock.date(16 * 60_000) });
    expect((await scheduler.list('unit-eta')).map((s) => s.expression)).toEqual([
      `at(${clock
        .date(16 * 60_000)
        .toISOString()
        .slice(0, 19)})`,
    ]);
  });

  it('refuses countdownSeconds together with eta with OptionsError', async () => {
    const { add, clock } = setup();
    const error = await add.applyAsync([1, 2], { countdownSeconds: 5, eta: clock.date(5_000) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OptionsError);
    expect((error as OptionsError).code).toBe(ErrorCode.OPTIONS_INVALID);
    expect((error as Error).message).toContain('countdownSeconds or eta');
  });

  it('refuses a negative countdown, quoting it', async () => {
    const { add } = setup();
    await expect(add.applyAsync([1, 2], { countdownSeconds: -1 })).rejects.toThrow(/countdownSeconds.*received -1/);
  });

  it('turns expires in seconds into an ISO time from now', async () => {
    const { add, sent, clock } = setup();
    await add.applyAsync([1, 2], { expires: 60 });
    expect(sent()[0]?.envelope.expires).toBe(clock.date(60_000).toISOString());
  });

  it('keeps expires given as a Date or an ISO string, as ISO', async () => {
    const { add, sent } = setup();
    await add.applyAsync([1, 2], { expires: new Date('2030-01-02T03:04:05.006Z') });
    await add.applyAsync([1, 2], { expires: '2030-01-02T03:04:05+01:00' });
    expect(sent().map((m) => m.envelope.expires)).toEqual(['2030-01-02T03:04:05.006Z', '2030-01-02T02:04:05.000Z']);
  });

  it.each([0, -5, Number.NaN])('refuses expires of %s seconds', async (expires) => {
    const { add } = setup();
    await expect(add.applyAsync([1, 2], { expires })).rejects.toBeInstanceOf(OptionsError);
  });

  it('refuses an unparseable eta, naming it', async () => {
    const { add } = setup();
    await expect(add.applyAsync([1, 2], { eta: 'next tuesday' })).rejects.toThrow(/eta must be a valid date.*next tuesday/);
  });

  it('refuses a call on an undeclared queue with ConfigError', async () => {
    const { add, sent } = setup();
    await expect(add.applyAsync([1, 2], { queue: 'nope' })).rejects.toBeInstanceOf(ConfigError);
    expect(sent()).toEqual([]);
  });

  it('refuses a taskId longer than 255 characters', async () => {
    const { add } = setup();
    await expect(add.applyAsync([1, 2], { taskId: 'x'.repeat(256) })).rejects.toThrow(/taskId.*256/);
  });

  it('uses the given taskId, headers and ignoreResult', async () => {
    const { add, sent } = setup();
    const result = await add.applyAsync([1, 2], { taskId: 'order-42', headers: { trace: 'abc' }, ignoreResult: true });
    expect(result.id).toBe('order-42');
    expect(sent()[0]?.envelope).toMatchObject({ id: 'order-42', args: [1, 2], headers: { trace: 'abc' }, ignoreResult: true, queue: 'default' });
  });
});

describe('argsSchema at enqueue', () => {
  const schemas = {
    zod: z.tuple([z.email(), z.number().int().positive()]),
    valibot: v.tuple([v.pipe(v.string(), v.email()), v.pipe(v.number(), v.integer(), v.minValue(1))]),
    arktype: type(['string.email', 'number.integer > 0']),
  };

  describe.each(Object.entries(schemas))('with %s', (_library, schema) => {
    const setup = () => {
      const h = memoryHarness();
      const invite = h.app.task('users.invite', async (email: string, seats: number) => `${email}:${seats}`, { argsSchema: schema });
      return { ...h, invite };
    };

    it('sends arguments the schema accepts', async () => {
      const { invite, broker, queueName } = setup();
      await invite.delay('ada@example.com', 3);
      expect(broker.messages(queueName())).toHaveLength(1);
    });

    it('throws ArgsValidationError listing each failing argument by path, and sends nothing', async () => {
      const { invite, broker, queueName } = setup();
      const error = await invite.delay('not-an-email', -2).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(ArgsValidationError);
      const issues = (error as ArgsValidationError).issues;
      expect(issues.map((i) => Array.from(i.path ?? [], Number))).toEqual(expect.arrayContaining([[0], [1]]));
      expect((error as ArgsValidationError).code).toBe(ErrorCode.ARGS_INVALID);
      expect((error as Error).message).toContain('"users.invite"');
      expect((error as Error).message).toContain('args[0]');
      expect((error as Error).message).toContain('args[1]');
      expect(broker.messages(queueName())).toEqual([]);
    });
  });
});
