import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LocalScheduler } from '../../sdk/dev/local-scheduler.js';
import { currentTask } from '../../sdk/core/context.js';
import { ErrorCode, ScheduleError } from '../../sdk/core/errors.js';
import { decodeEnvelope } from '../../sdk/core/protocol/envelope.js';
import { TaskState } from '../../sdk/core/states.js';
import { memoryHarness } from '../helpers/memory-harness.js';

/** An app in Asia/Shanghai with two tasks to schedule. */
function setup() {
  const h = memoryHarness({ timezone: 'Asia/Shanghai' });
  const report = h.app.task('reports.daily', async (to: string) => to, { argsSchema: z.tuple([z.email()]) });
  const tick = h.app.task('reports.tick', async () => null);
  return { ...h, report, tick };
}

/** What Scheduler sends when it fires a stored schedule at `scheduledTime`. */
function firing(input: string, arn: string, scheduledTime: string): string {
  return input.replaceAll('<aws.scheduler.schedule-arn>', arn).replaceAll('<aws.scheduler.scheduled-time>', scheduledTime);
}

describe('app.schedules (run-time schedules, django-celery-beat style)', () => {
  it('creates, reads, lists, updates, pauses, resumes and deletes a schedule', async () => {
    const { app, report, clock } = setup();
    clock.advance(Date.parse('2026-11-22T00:00:00Z') - clock.now());
    const created = await app.schedules.create('daily', report, { cron: '30 7 * * 1', args: ['ops@shop.example'], description: 'Monday report' });
    expect(created).toMatchObject({
      name: 'daily',
      group: 'unit',
      task: 'reports.daily',
      args: ['ops@shop.example'],
      expression: 'cron(30 7 ? * 2 *)',
      timezone: 'Asia/Shanghai',
      enabled: true,
      description: 'Monday report',
      declared: false,
      problem: undefined,
      queueName: 'unit-default',
    });
    expect(created.nextRuns.map((d) => d.toISOString()).slice(0, 2)).toEqual(['2026-11-22T23:30:00.000Z', '2026-11-29T23:30:00.000Z']);
    expect(await app.schedules.get('daily')).toEqual(created);
    expect((await app.schedules.list()).map((s) => s.name)).toEqual(['daily']);

    const every = await app.schedules.update('daily', { every: '10m' });
    expect(every).toMatchObject({ expression: 'rate(10 minutes)', every: 600, args: ['ops@shop.example'], description: 'Monday report' });
    const moved = await app.schedules.update('daily', { args: ['boss@shop.example'] });
    expect(moved).toMatchObject({ expression: 'rate(10 minutes)', args: ['boss@shop.example'] });

    const paused = await app.schedules.disable('daily');
    expect(paused).toMatchObject({ enabled: false, nextRuns: [] });
    expect(await app.schedules.enable('daily')).toMatchObject({ enabled: true, args: ['boss@shop.example'] });

    expect(await app.schedules.delete('daily')).toBe(true);
    expect(await app.schedules.get('daily')).toBeUndefined();
    expect(await app.schedules.delete('daily')).toBe(false);
  });

  it('applies the same checks as app.schedule(), storing nothing when they fail', async () => {
    const { app, report, scheduler } = setup();
    await expect(app.schedules.create('bad', report, { every: '90s', args: ['ops@shop.example'] })).rejects.toThrow(/whole minutes/);
    await expect(app.schedules.create('bad', report, { cron: '* * * * *', args: ['nope'] })).rejects.toThrow(/failed validation/);
    await expect(app.schedules.create('bad', 'reports.nothing', { cron: '* * * * *' })).rejects.toThrow(/"reports.nothing", which is not registered/);
    expect(await scheduler.list('unit')).toEqual([]);
    await app.schedules.create('ok', report, { cron: '0 9 * * *', args: ['ops@shop.example'] });
    await expect(app.schedules.create('ok', report, { cron: '0 9 * * *', args: ['ops@shop.example'] })).rejects.toMatchObject({
      code: ErrorCode.SCHEDULE_EXISTS,
    });
    await expect(app.schedules.update('missing', { every: '1m' })).rejects.toMatchObject({ code: ErrorCode.SCHEDULE_NOT_FOUND });
    await expect(app.schedules.disable('missing')).rejects.toBeInstanceOf(ScheduleError);
  });

  it('shows what is wrong with a schedule edited by hand, without running it', async () => {
    const { app, report, scheduler } = setup();
    await app.schedules.create('typo', report, { cron: '0 9 * * *', args: ['ops@shop.example'] });
    const { arn: _arn, targetArn: _target, createdAt: _c, modifiedAt: _m, ...stored } = (await scheduler.get('unit', 'typo'))!;
    const edit = (input: string) => scheduler.update({ ...stored, queueName: stored.queueName!, input });
    await edit('{"task":"reports.dayly"}');
    expect((await app.schedules.get('typo'))?.problem).toMatch(/unknown task "reports.dayly"/);
    await edit('{"task":"reports.daily","args":["not-an-email"]}');
    expect((await app.schedules.get('typo'))?.problem).toMatch(/failed validation/);
    await edit('{"task": reports.daily}');
    expect((await app.schedules.get('typo'))?.problem).toMatch(/not JSON/);
    // The console's minimal form is fine.
    await edit('{"task":"reports.tick"}');
    expect(await app.schedules.get('typo')).toMatchObject({ task: 'reports.tick', problem: undefined });
  });

  it('lists the runs of a sub-minute schedule tick by tick', async () => {
    const { app, tick, clock } = setup();
    const created = await app.schedules.create('tick', tick, { every: 3 });
    expect(created.every).toBe(3);
    const gaps = created.nextRuns.slice(1).map((d, i) => d.getTime() - created.nextRuns[i]!.getTime());
    expect(gaps).toEqual([3000, 3000, 3000, 3000]);
    expect(created.nextRuns[0]!.getTime()).toBeGreaterThan(clock.now());
  });
});

describe('worker: runs sent by schedules', () => {
  const arn = 'arn:aws:scheduler:us-east-1:000000000000:schedule/unit/tick';

  it('turns a sub-minute firing into the minute’s runs, each once, even when the firing is delivered twice', async () => {
    const h = memoryHarness();
    const bodies: string[] = [];
    const tick = h.app.task('reports.tick', async () => {
      bodies.push(currentTask().id);
      return null;
    });
    const info = await h.app.schedules.create('tick', tick, { every: '3s' });
    const input = (await h.scheduler.get('unit', info.name))!.input!;
    const scheduled = h.clock
      .date(0)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    h.clock.advance(400); // Scheduler fires a little late
    await h.sendRaw(firing(input, arn, scheduled));
    await h.sendRaw(firing(input, arn, scheduled)); // at-least-once: a duplicate firing
    await h.deliver();
    expect(h.events.filter((e) => e.type === 'fanned-out')).toHaveLength(2);

    const queued = h.broker.messages(h.queueName());
    expect(queued).toHaveLength(40);
    const delays = [...new Set(queued.map((m) => m.visibleAt - Date.parse(scheduled)))].sort((a, b) => a - b);
    // SQS delays count whole seconds: each run is due within a second after its time, never before.
    expect(delays).toEqual(Array.from({ length: 20 }, (_, k) => k * 3000 + 400));
    const ids = queued.map((m) => decodeEnvelope(m.body).id);
    expect(new Set(ids).size).toBe(20);
    const idAt = (offset: number) =>
      `unit.tick@${new Date(Date.parse(scheduled) + offset * 1000)
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z')
        .replace(/[-:]/g, '')}`;
    expect(new Set(ids)).toEqual(new Set(Array.from({ length: 20 }, (_, k) => idAt(k * 3))));

    for (let second = 0; second < 60; second++) {
      await h.deliver();
      h.clock.advance(1000);
    }
    expect(bodies).toHaveLength(20);
    expect(new Set(bodies).size).toBe(20);
    // The copies from the duplicate firing wait out the lease of the first run, then are dropped.
    for (let step = 0; step < 10 && h.broker.messages(h.queueName()).length > 0; step++) {
      h.clock.advance(60_000);
      await h.deliver();
    }
    expect(h.events.filter((e) => e.type === 'duplicate')).toHaveLength(20);
    expect(h.broker.messages(h.queueName())).toEqual([]);
    expect(bodies).toHaveLength(20);
  });

  it('expires a run `expires` seconds after its scheduled time', async () => {
    const h = memoryHarness();
    const report = h.app.task('reports.status', async () => 'ran');
    const info = await h.app.schedules.create('status', report, { every: '1m', expires: 30 });
    const input = (await h.scheduler.get('unit', info.name))!.input!;
    const scheduled = h.clock
      .date(0)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    await h.sendRaw(firing(input, 'arn:aws:scheduler:us-east-1:000000000000:schedule/unit/status', scheduled));
    h.clock.advance(31_000);
    await h.deliver();
    const record = await h.backend.get(`unit.status@${scheduled.replace(/[-:]/g, '')}`);
    expect(record).toMatchObject({ state: TaskState.REVOKED });
    expect(record?.error?.message).toMatch(/expired/);
  });

  it.each([
    ['an unknown task', (input: string) => input.replace('reports.daily', 'reports.dayly'), /Unknown task "reports.dayly"/],
    ['args failing the schema', (input: string) => input.replace('ops@shop.example', 'not-an-email'), /failed validation/],
    ['invalid JSON', (input: string) => input.replace('"args"', 'args'), /not JSON/],
  ])('records a bad hand edit (%s) as FAILURE naming the schedule, and keeps the message in the DLQ', async (_, edit, why) => {
    const h = memoryHarness();
    const report = h.app.task('reports.daily', async (to: string) => to, { argsSchema: z.tuple([z.email()]) });
    const info = await h.app.schedules.create('daily', report, { cron: '0 9 * * *', args: ['ops@shop.example'] });
    const input = (await h.scheduler.get('unit', info.name))!.input!;
    const scheduled = '2025-01-01T09:00:00Z';
    const body = firing(edit(input), 'arn:aws:scheduler:us-east-1:000000000000:schedule/unit/daily', scheduled);
    await h.sendRaw(body);
    await h.deliver();
    const [letter, ...more] = h.deadLetters();
    expect(more).toEqual([]);
    expect(letter?.body).toBe(body);
    expect(letter?.reason).toMatchObject({ schedule: 'unit/daily' });
    expect(letter?.reason?.message).toMatch(/^schedule unit\/daily \(run of 2025-01-01T09:00:00Z\): /);
    const record = await h.backend.get(letter!.reason!.taskId!);
    expect(record).toMatchObject({ state: TaskState.FAILURE });
    expect(record?.error?.message).toMatch(/^schedule unit\/daily \(run of 2025-01-01T09:00:00Z\): /);
    expect(record?.error?.message).toMatch(why);
  });
});

describe('long countdowns', () => {
  it('are cancelled by deleting their one-time schedule', async () => {
    const h = memoryHarness();
    const add = h.app.task('math.add', async (x: number, y: number) => x + y);
    const result = await add.applyAsync([1, 2], { countdownSeconds: 3600 });
    expect(await h.app.schedules.listCountdowns()).toMatchObject([{ name: `eta-${result.id}`, task: 'math.add', args: [1, 2] }]);
    expect(await h.app.schedules.cancelCountdown(result.id)).toBe(true);
    expect(await h.app.schedules.listCountdowns()).toEqual([]);
    expect(await h.app.schedules.cancelCountdown(result.id)).toBe(false);
  });

  it('name their schedule after the task id, hashed when it has characters Scheduler refuses', async () => {
    const h = memoryHarness();
    const add = h.app.task('math.add', async (x: number, y: number) => x + y);
    await add.applyAsync([1, 2], { countdownSeconds: 3600, taskId: 'order/42 ✓' });
    const [countdown] = await h.app.schedules.listCountdowns();
    expect(countdown?.name).toMatch(/^eta-h-[0-9a-f]{40}$/);
    expect(await h.app.schedules.cancelCountdown('order/42 ✓')).toBe(true);
  });
});

describe('LocalScheduler', () => {
  it('fires an at() schedule once when due, then deletes it; fires cron in its time zone', async () => {
    const h = memoryHarness();
    const add = h.app.task('math.add', async (x: number, y: number) => x + y);
    const report = h.app.task('reports.daily', async () => 'ok');
    let now = Date.parse('2026-11-22T23:29:00Z'); // Monday 07:29 in Shanghai
    h.clock.advance(now - h.clock.now());
    await add.applyAsync([2, 3], { countdownSeconds: 1200 });
    await h.app.schedules.create('monday', report, { cron: '30 7 * * 1', timezone: 'Asia/Shanghai' });
    const beat = new LocalScheduler({
      scheduler: h.scheduler,
      broker: h.broker,
      groups: ['unit', 'unit-eta'],
      now: () => now,
      tickMs: 5,
      refreshMs: 20,
      log: () => {},
    });
    await beat.start();
    try {
      const settle = () => new Promise((resolve) => setTimeout(resolve, 60));
      await settle();
      expect(beat.fired()).toEqual([]);
      now += 60_000; // 07:30 Shanghai
      await settle();
      expect(beat.fired().map((f) => `${f.name}@${f.scheduledTime}`)).toEqual(['monday@2026-11-22T23:30:00Z']);
      now += 19 * 60_000; // the countdown is due
      await settle();
      await settle();
      expect(beat.fired().map((f) => f.name)).toEqual(['monday', expect.stringMatching(/^eta-/)]);
      expect(await h.scheduler.list('unit-eta')).toEqual([]);
      const sent = h.broker.messages(h.queueName()).map((m) => decodeEnvelope(m.body));
      expect(sent.map((e) => e.task).sort()).toEqual(['math.add', 'reports.daily']);
      expect(sent.find((e) => e.task === 'reports.daily')?.id).toBe('unit.monday@20261122T233000Z');
    } finally {
      await beat.stop();
    }
  });

  it('does not fire a schedule deleted after it was read, before the next read', async () => {
    const h = memoryHarness();
    const add = h.app.task('math.add', async (x: number, y: number) => x + y);
    let now = Date.parse('2026-11-22T10:00:00Z');
    h.clock.advance(now - h.clock.now());
    const result = await add.applyAsync([1, 1], { countdownSeconds: 1800 });
    // Reads once (refreshMs far away), then the countdown is cancelled behind its back.
    const beat = new LocalScheduler({
      scheduler: h.scheduler,
      broker: h.broker,
      groups: ['unit', 'unit-eta'],
      now: () => now,
      tickMs: 5,
      refreshMs: 3_600_000,
      log: () => {},
    });
    await beat.start();
    try {
      expect(beat.upcoming().map((u) => u.name)).toEqual([`eta-${result.id}`]);
      expect(await h.app.schedules.cancelCountdown(result.id)).toBe(true);
      now += 31 * 60_000;
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(beat.fired()).toEqual([]);
      expect(h.broker.messages(h.queueName())).toEqual([]);
      expect(beat.upcoming()).toEqual([]);
    } finally {
      await beat.stop();
    }
  });
});
