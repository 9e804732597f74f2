import type { ScheduleInfo } from './schedules.js';

/**
 * A schedule's timing as people read it, the same in the CLI, the dashboard and `celeriac dev`:
 * `every 3s`, `every 1m`, `every 2h`, `every 1d`, else its expression (`cron(30 7 ? * 2 *)`).
 * @example
 * describeTiming({ every: 60, expression: 'rate(1 minute)' }); // 'every 1m'
 */
export function describeTiming(info: Pick<ScheduleInfo, 'every' | 'expression'>): string {
  if (info.every === undefined) return info.expression;
  const s = info.every;
  return `every ${s % 86_400 === 0 ? `${s / 86_400}d` : s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`}`;
}

/**
 * A time as `2026-11-23 07:30:00` in the schedule's time zone (how its crontab reads).
 * @example
 * formatInZone(new Date('2026-11-22T23:30:00Z'), 'Asia/Shanghai'); // '2026-11-23 07:30:00'
 */
export function formatInZone(date: Date, timezone: string): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: timezone, dateStyle: 'short', timeStyle: 'medium' }).format(date);
}
