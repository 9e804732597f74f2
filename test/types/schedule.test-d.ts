import { describe, expectTypeOf, it } from 'vitest';
import { createCoreApp } from '../../sdk/core/app.js';
import type { ScheduleOptions } from '../../sdk/core/schedule/definition.js';

const app = createCoreApp({ name: 'types' });
const weekly = app.task('reports.weekly', async (to: string, copies: number) => `${to}×${copies}`);
const tick = app.task('reports.tick', async () => null);

describe('schedule options are typed by the task', () => {
  it('takes the task’s argument list as args', () => {
    app.schedule('weekly', weekly, { cron: '30 7 * * 1', args: ['ops@shop.example', 2] });
    app.schedule('tick', tick, { every: '3s' });
    expectTypeOf<ScheduleOptions<[string, number]>>().toHaveProperty('args');
  });

  it('requires args when the task takes some, and checks their types', () => {
    // @ts-expect-error args are missing
    app.schedule('no-args', weekly, { cron: '30 7 * * 1' });
    // @ts-expect-error copies must be a number
    app.schedule('wrong-args', weekly, { cron: '30 7 * * 1', args: ['ops@shop.example', 'two'] });
  });

  it('takes exactly one of every and cron', () => {
    // @ts-expect-error both timings
    app.schedule('both', tick, { every: '3s', cron: '* * * * *' });
  });

  it('types run-time schedules the same way', async () => {
    await app.schedules.create('weekly-2', weekly, { every: '1h', args: ['ops@shop.example', 1] }).catch(() => undefined);
    // @ts-expect-error copies must be a number
    await app.schedules.create('weekly-3', weekly, { every: '1h', args: ['ops@shop.example', '1'] }).catch(() => undefined);
  });
});
