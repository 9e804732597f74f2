import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { ScheduleError } from '../../sdk/core/errors.js';
import {
  assertTimeZone,
  atInstant,
  crontabToExpression,
  everyToExpression,
  nextRunTimes,
  parseEvery,
  parseScheduleExpression,
} from '../../sdk/core/schedule/expression.js';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('crontab → Scheduler cron', () => {
  it.each([
    ['30 7 * * 1', 'cron(30 7 ? * 2 *)'],
    ['*/15 * * * *', 'cron(0/15 * * * ? *)'],
    ['0 9-17 * * 1-5', 'cron(0 9-17 ? * 2-6 *)'],
    ['0 9-17 * * mon-fri', 'cron(0 9-17 ? * 2-6 *)'],
    ['0 0 1 * *', 'cron(0 0 1 * ? *)'],
    ['0 0 * * 0', 'cron(0 0 ? * 1 *)'],
    ['0 0 * * 7', 'cron(0 0 ? * 1 *)'],
    ['0 0 * * 5-7', 'cron(0 0 ? * 1,6,7 *)'],
    ['0 12 * jan,jul *', 'cron(0 12 * 1,7 ? *)'],
    ['5,35 */6 * * *', 'cron(5,35 0/6 * * ? *)'],
    ['@daily', 'cron(0 0 * * ? *)'],
    ['@weekly', 'cron(0 0 ? * 1 *)'],
    ['@hourly', 'cron(0 * * * ? *)'],
    ['cron(0 12 * * ? *)', 'cron(0 12 * * ? *)'],
  ])('%s → %s', (crontab, expected) => {
    expect(crontabToExpression(crontab)).toBe(expected);
  });

  it.each([
    ['0 0 1 * 1', /both day-of-month and day-of-week.*Split it into two schedules/],
    ['0 0 * * * *', /has 6 fields.*Seconds are not supported/],
    ['@reboot', /cannot run on a schedule/],
    ['61 * * * *', /minute field "61" has 61, outside 0–59/],
    ['0 0 * * 5-1', /runs backwards/],
    ['0 0 * foo *', /"foo", which is not a number or a name/],
    ['0 0 * * */0', /invalid step/],
  ])('rejects %s, saying why', (crontab, why) => {
    expect(() => crontabToExpression(crontab)).toThrow(ScheduleError);
    expect(() => crontabToExpression(crontab)).toThrow(why);
  });

  // The translation runs at exactly the times the crontab runs (time zones without DST, where
  // crontab semantics and Scheduler's agree on every instant).
  it.each(['30 7 * * 1', '*/7 3-5 * * *', '0 0 1,15 * *', '15 10 * * 0,6', '0 */4 * 2-11 *', '0 8 * * mon-fri', '45 23 28-31 * *'])(
    '%s runs when the crontab does (UTC and Asia/Shanghai)',
    (crontab) => {
      for (const timezone of ['UTC', 'Asia/Shanghai']) {
        const from = new Date('2026-11-22T00:00:00Z');
        const unix = new Cron(crontab, { timezone, paused: true }).nextRuns(60, from);
        const ours = nextRunTimes(parseScheduleExpression(crontabToExpression(crontab)), { timezone }, from, 60);
        expect(iso(ours)).toEqual(iso(unix));
      }
    },
  );
});

describe('Scheduler expressions are validated as AWS does', () => {
  it.each([
    ['rate(5 seconds)', /at least one minute.*every: "3s"/],
    ['rate(1 minutes)', /singular unit for 1/],
    ['rate(5 minute)', /singular unit for 1 and the plural otherwise/],
    ['rate(0 minutes)', /positive integer/],
    ['cron(30 7 * * 1)', /needs 6 fields/],
    ['cron(0 12 * * MON *)', /exactly one of day-of-month and day-of-week must be "\?"/],
    ['cron(0 12 ? * ? *)', /exactly one of/],
    ['cron(0 25 * * ? *)', /Invalid cron expression/],
    ['cron(bad)', /needs 6 fields/],
    ['at(2026-02-30T00:00:00)', /use at\(yyyy-mm-ddThh:mm:ss\)/],
    ['at(2026-02-28 00:00:00)', /use at/],
    ['every 5 minutes', /accepts rate\(…\), cron\(…\) or at\(…\)/],
  ])('rejects %s', (expression, why) => {
    expect(() => parseScheduleExpression(expression)).toThrow(why);
  });

  it('accepts what AWS accepts', () => {
    expect(parseScheduleExpression('rate(1 minute)')).toMatchObject({ kind: 'rate', seconds: 60 });
    expect(parseScheduleExpression('rate(2 hours)')).toMatchObject({ kind: 'rate', seconds: 7200 });
    expect(parseScheduleExpression('cron(0/5 8-17 ? * MON-FRI *)')).toMatchObject({ kind: 'cron' });
    expect(parseScheduleExpression('cron(0 12 L * ? *)')).toMatchObject({ kind: 'cron' });
    expect(parseScheduleExpression('at(2027-01-31T09:30:00)')).toMatchObject({ kind: 'at', local: '2027-01-31T09:30:00' });
  });
});

describe('intervals', () => {
  it.each([
    [3, 3],
    ['3s', 3],
    ['10m', 600],
    ['1h', 3600],
    ['2 days', 172_800],
    ['1500ms', NaN],
  ])('parseEvery(%s)', (every, seconds) => {
    if (Number.isNaN(seconds)) expect(() => parseEvery(every)).toThrow(/whole number of seconds/);
    else expect(parseEvery(every)).toBe(seconds);
  });

  it('rejects what is not an interval', () => {
    expect(() => parseEvery('soon')).toThrow(/"3s", "10m"/);
    expect(() => parseEvery(0)).toThrow(ScheduleError);
  });

  it('fans out intervals under a minute that divide it, and says why others cannot run', () => {
    expect(everyToExpression(3)).toEqual({ expression: 'rate(1 minute)', fanOutSeconds: 3 });
    expect(everyToExpression(30)).toEqual({ expression: 'rate(1 minute)', fanOutSeconds: 30 });
    expect(() => everyToExpression(7)).toThrow(/must divide 60/);
    expect(() => everyToExpression(90)).toThrow(/whole minutes. Use 60s or 120s/);
    expect(everyToExpression(60)).toEqual({ expression: 'rate(1 minute)' });
    expect(everyToExpression(600)).toEqual({ expression: 'rate(10 minutes)' });
    expect(everyToExpression(3600)).toEqual({ expression: 'rate(1 hour)' });
    expect(everyToExpression(86_400 * 2)).toEqual({ expression: 'rate(2 days)' });
  });
});

describe('next run times', () => {
  it('Monday 07:30 in Asia/Shanghai is Sunday 23:30 UTC', () => {
    const runs = nextRunTimes(parseScheduleExpression(crontabToExpression('30 7 * * 1')), { timezone: 'Asia/Shanghai' }, new Date('2026-11-22T00:00:00Z'), 2);
    expect(iso(runs)).toEqual(['2026-11-22T23:30:00.000Z', '2026-11-29T23:30:00.000Z']);
  });

  it('skips a local time that a spring-forward change skips, and runs a repeated one once (as Scheduler does)', () => {
    const daily0230 = parseScheduleExpression('cron(30 2 * * ? *)');
    const spring = nextRunTimes(daily0230, { timezone: 'Europe/Berlin' }, new Date('2027-03-26T12:00:00Z'), 3);
    expect(iso(spring)).toEqual(['2027-03-27T01:30:00.000Z', '2027-03-29T00:30:00.000Z', '2027-03-30T00:30:00.000Z']);
    const autumn = nextRunTimes(daily0230, { timezone: 'Europe/Berlin' }, new Date('2027-10-30T12:00:00Z'), 2);
    // 02:30 happens twice that night (00:30Z in CEST, 01:30Z in CET): it runs once, at the first.
    expect(iso(autumn)).toEqual(['2027-10-31T00:30:00.000Z', '2027-11-01T01:30:00.000Z']);
  });

  it('keeps wall-clock time across DST in America/New_York', () => {
    const weekday9 = parseScheduleExpression(crontabToExpression('0 9 * * 1-5'));
    const runs = nextRunTimes(weekday9, { timezone: 'America/New_York' }, new Date('2027-03-12T00:00:00Z'), 2);
    expect(iso(runs)).toEqual(['2027-03-12T14:00:00.000Z', '2027-03-15T13:00:00.000Z']);
  });

  it('runs rate schedules every interval from their start, and stops at their end', () => {
    const start = new Date('2026-11-22T10:00:00Z');
    const runs = nextRunTimes(
      parseScheduleExpression('rate(10 minutes)'),
      { timezone: 'UTC', start, end: new Date('2026-11-22T10:35:00Z') },
      new Date('2026-11-22T10:05:00Z'),
      5,
    );
    expect(iso(runs)).toEqual(['2026-11-22T10:10:00.000Z', '2026-11-22T10:20:00.000Z', '2026-11-22T10:30:00.000Z']);
  });

  it('runs at() once, in its time zone', () => {
    const at = parseScheduleExpression('at(2027-01-31T09:30:00)');
    expect(iso(nextRunTimes(at, { timezone: 'Asia/Shanghai' }, new Date('2027-01-01T00:00:00Z'), 3))).toEqual(['2027-01-31T01:30:00.000Z']);
    expect(nextRunTimes(at, { timezone: 'UTC' }, new Date('2027-02-01T00:00:00Z'), 3)).toEqual([]);
    expect(new Date(atInstant('2027-07-01T12:00:00', 'Europe/Paris')).toISOString()).toBe('2027-07-01T10:00:00.000Z');
  });

  it('knows IANA time zones', () => {
    expect(() => assertTimeZone('Asia/Shanghai')).not.toThrow();
    expect(() => assertTimeZone('Mars/Olympus_Mons')).toThrow(/Unknown time zone "Mars\/Olympus_Mons"/);
  });
});
