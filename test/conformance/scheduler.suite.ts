import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../sdk/core/errors.js';
import type { ScheduleSpec, Scheduler } from '../../sdk/core/ports/scheduler.js';

/** What a conformance run needs: a scheduler, and a queue it may target. */
export interface SchedulerFixture {
  readonly scheduler: Scheduler;
  /** Physical name of an existing queue. */
  readonly queueName: string;
}

/** The contract of the `Scheduler` port, run against every adapter. Each test uses its own group. */
export function describeSchedulerConformance(name: string, makeFixture: () => Promise<SchedulerFixture>): void {
  const group = () => `conf-${randomBytes(4).toString('hex')}`;
  const spec = (fixture: SchedulerFixture, overrides: Partial<ScheduleSpec> = {}): ScheduleSpec => ({
    group: 'unset',
    name: 'reports.daily',
    expression: 'cron(30 7 ? * 2 *)',
    timezone: 'Asia/Shanghai',
    enabled: true,
    description: 'weekly report',
    deleteAfterCompletion: false,
    queueName: fixture.queueName,
    input: '{"v":1,"task":"reports.daily","headers":{"celeriac-schedule":"<aws.scheduler.schedule-arn>"}}',
    ...overrides,
  });

  describe(`Scheduler conformance: ${name}`, () => {
    it('creates a schedule and reads back what it was given', async () => {
      const fixture = await makeFixture();
      const written = spec(fixture, { group: group(), start: new Date('2030-01-01T00:00:00Z'), end: new Date('2031-01-01T00:00:00Z') });
      const created = await fixture.scheduler.create(written);
      const read = await fixture.scheduler.get(written.group, written.name);
      expect(read).toEqual(created);
      expect(read).toMatchObject({
        group: written.group,
        name: written.name,
        expression: written.expression,
        timezone: written.timezone,
        enabled: true,
        description: written.description,
        deleteAfterCompletion: false,
        queueName: fixture.queueName,
        input: written.input,
        start: written.start,
        end: written.end,
      });
      expect(read!.arn).toMatch(new RegExp(`:schedule/${written.group}/${written.name.replace('.', '\\.')}$`));
      expect(read!.targetArn).toMatch(new RegExp(`:sqs:.*:${fixture.queueName}$`));
    });

    it('refuses a second schedule of the same name in a group with SCHEDULE_EXISTS', async () => {
      const fixture = await makeFixture();
      const written = spec(fixture, { group: group() });
      await fixture.scheduler.create(written);
      await expect(fixture.scheduler.create(written)).rejects.toMatchObject({ code: ErrorCode.SCHEDULE_EXISTS });
    });

    it('updates a schedule in place, and refuses to update one that does not exist', async () => {
      const fixture = await makeFixture();
      const written = spec(fixture, { group: group() });
      await fixture.scheduler.create(written);
      const updated = await fixture.scheduler.update({ ...written, expression: 'rate(5 minutes)', timezone: 'UTC', enabled: false, description: undefined });
      expect(updated).toMatchObject({ expression: 'rate(5 minutes)', enabled: false, description: undefined });
      expect(await fixture.scheduler.get(written.group, written.name)).toEqual(updated);
      await expect(fixture.scheduler.update({ ...written, name: 'missing' })).rejects.toMatchObject({ code: ErrorCode.SCHEDULE_NOT_FOUND });
    });

    it('lists the schedules of one group only, and none of a group that does not exist', async () => {
      const fixture = await makeFixture();
      const [a, b] = [group(), group()];
      await fixture.scheduler.create(spec(fixture, { group: a, name: 'one' }));
      await fixture.scheduler.create(spec(fixture, { group: a, name: 'two', expression: 'at(2030-01-01T00:00:00)', deleteAfterCompletion: true }));
      await fixture.scheduler.create(spec(fixture, { group: b, name: 'three' }));
      const listed = await fixture.scheduler.list(a);
      expect(listed.map((s) => s.name).sort()).toEqual(['one', 'two']);
      expect(listed.find((s) => s.name === 'two')).toMatchObject({ deleteAfterCompletion: true, expression: 'at(2030-01-01T00:00:00)' });
      expect(await fixture.scheduler.list(group())).toEqual([]);
    });

    it('deletes a schedule once: true, then false', async () => {
      const fixture = await makeFixture();
      const written = spec(fixture, { group: group() });
      await fixture.scheduler.create(written);
      expect(await fixture.scheduler.delete(written.group, written.name)).toBe(true);
      expect(await fixture.scheduler.get(written.group, written.name)).toBeUndefined();
      expect(await fixture.scheduler.delete(written.group, written.name)).toBe(false);
    });
  });
}
