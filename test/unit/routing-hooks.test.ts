import { describe, expect, it } from 'vitest';
import { createCoreApp } from '../../sdk/core/app.js';
import { currentTask } from '../../sdk/core/context.js';
import { ConfigError } from '../../sdk/core/errors.js';
import { nextRateSlot, parseRateLimit } from '../../sdk/core/rate-limit.js';
import { useTestTransport } from '../../sdk/testing/index.js';

describe('taskRoutes', () => {
  it('routes by glob, the first match winning, after the task’s own queue and before the default', () => {
    const app = createCoreApp({
      name: 'routes',
      queues: { default: {}, high: {}, low: {} },
      taskRoutes: { 'billing.*': 'high', 'reports.*': 'low', '*.urgent': 'high' },
    });
    expect(app.task('billing.charge', async () => 1).options.queue).toBe('high');
    expect(app.task('reports.daily', async () => 1).options.queue).toBe('low');
    expect(app.task('mail.urgent', async () => 1).options.queue).toBe('high');
    expect(app.task('mail.digest', async () => 1).options.queue).toBe('default');
    expect(app.task('billing.refund', async () => 1, { queue: 'low' }).options.queue).toBe('low');
  });

  it('refuses a route to an undeclared queue', () => {
    // @ts-expect-error an undeclared queue does not compile either; this checks the run-time guard (plain JavaScript callers)
    expect(() => createCoreApp({ name: 'routes', taskRoutes: { 'a.*': 'nowhere' } })).toThrow(ConfigError);
  });
});

describe('rate limits', () => {
  it("parses '10/s', '100/m' and '1000/h', and refuses anything else with the expected form", () => {
    expect(parseRateLimit('10/s')).toEqual({ count: 10, windowMs: 1000, intervalMs: 100 });
    expect(parseRateLimit('100/m').intervalMs).toBe(600);
    expect(parseRateLimit('1000/h').intervalMs).toBe(3600);
    expect(() => parseRateLimit('10 per second')).toThrow("must look like '10/s'");
    expect(() => parseRateLimit('0/s')).toThrow(ConfigError);
  });

  it('spaces starts one interval apart and refuses one beyond the horizon', () => {
    const request = { nowMs: 1000, intervalMs: 100, horizonMs: 150 };
    expect(nextRateSlot(undefined, request)).toEqual({ atMs: 1000, tat: 1100 });
    expect(nextRateSlot(1100, request)).toEqual({ atMs: 1100, tat: 1200 });
    expect(nextRateSlot(1200, request)).toEqual({ busyUntilMs: 1200 });
    expect(nextRateSlot(500, request)).toEqual({ atMs: 1000, tat: 1100 });
  });
});

describe('hooks', () => {
  it('emits beforePublish (whose headers travel), prerun, success and postrun, and survives a throwing handler', async () => {
    const errors: unknown[] = [];
    const app = createCoreApp({ name: 'hooks', publishLingerMs: 0 });
    const env = useTestTransport(app);
    const seen: string[] = [];
    const echo = app.task('h.echo', async () => String(currentTask().headers.traceId));
    app.on('beforePublish', ({ headers, task }) => {
      headers.traceId = 'trace-1';
      seen.push(`beforePublish ${task}`);
    });
    app.on('afterPublish', ({ task }) => void seen.push(`afterPublish ${task}`));
    app.on('prerun', ({ task }) => void seen.push(`prerun ${task}`));
    app.on('success', ({ result }) => void seen.push(`success ${String(result)}`));
    app.on('postrun', ({ state }) => void seen.push(`postrun ${state}`));
    app.on('success', () => {
      errors.push('thrown');
      throw new Error('a broken handler');
    });
    const result = await echo.delay();
    expect(await result.get({ timeoutMs: 10_000 })).toBe('trace-1');
    expect(seen).toEqual(['beforePublish h.echo', 'afterPublish h.echo', 'prerun h.echo', 'success trace-1', 'postrun SUCCESS']);
    expect(errors).toEqual(['thrown']);
    expect(env.broker.messages(app.queue('default').queueName)).toHaveLength(0);
  });
});
