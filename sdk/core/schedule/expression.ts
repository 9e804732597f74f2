import { Cron } from 'croner';
import { ScheduleError } from '../errors.js';
import { SUB_MINUTE_INTERVALS } from './intervals.js';

/**
 * Schedule expressions as EventBridge Scheduler reads them (`rate(…)`, `cron(…)`, `at(…)`), their
 * validation (as AWS validates them, whatever an emulator accepts), the translation from Celery-style
 * `every` and 5-field crontabs, and next run times (DST as AWS handles it).
 */

/** A parsed, valid Scheduler expression. */
export type ScheduleExpression =
  | { readonly kind: 'rate'; readonly expression: string; readonly seconds: number }
  | { readonly kind: 'cron'; readonly expression: string; readonly fields: readonly string[] }
  | { readonly kind: 'at'; readonly expression: string; readonly local: string };

export { SUB_MINUTE_INTERVALS };

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((.*)\)$/;
const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const UNIT_SECONDS: Record<string, number> = { minute: 60, hour: 3600, day: 86_400 };

/**
 * Parses a Scheduler expression and checks it the way AWS does.
 * @throws {ScheduleError} naming what is wrong, e.g. `rate(5 seconds)` (AWS's floor is one minute).
 * @example
 * parseScheduleExpression('cron(30 7 ? * MON *)').kind // 'cron'
 */
export function parseScheduleExpression(expression: string): ScheduleExpression {
  const text = expression.trim();
  if (text.startsWith('rate(')) {
    const match = RATE.exec(text);
    if (!match) {
      throw new ScheduleError(
        `Invalid rate expression ${JSON.stringify(expression)}: EventBridge Scheduler accepts rate(<n> minute|minutes|hour|hours|day|days), ` +
          'at least one minute. For intervals under a minute, declare the schedule with `every` (e.g. every: "3s"), which fans out each minute.',
      );
    }
    const value = Number(match[1]);
    const unit = match[2]!;
    if (value < 1) throw new ScheduleError(`Invalid rate expression ${JSON.stringify(expression)}: the value must be a positive integer.`);
    const singular = !unit.endsWith('s');
    if ((value === 1) !== singular) {
      throw new ScheduleError(
        `Invalid rate expression ${JSON.stringify(expression)}: use the singular unit for 1 and the plural otherwise, ` +
          `e.g. rate(1 ${unit.replace(/s$/, '')}) or rate(${value} ${unit.replace(/s$/, '')}s).`,
      );
    }
    return { kind: 'rate', expression: text, seconds: value * UNIT_SECONDS[unit.replace(/s$/, '')]! };
  }
  if (text.startsWith('cron(')) {
    const fields = CRON.exec(text)![1]!.trim().split(/\s+/);
    if (fields.length !== 6) {
      throw new ScheduleError(
        `Invalid cron expression ${JSON.stringify(expression)}: EventBridge Scheduler needs 6 fields ` +
          '(minutes hours day-of-month month day-of-week year), e.g. cron(30 7 ? * MON *). For a 5-field crontab, use `cron: "30 7 * * 1"`.',
      );
    }
    checkAwsCronFields(expression, fields);
    return { kind: 'cron', expression: `cron(${fields.join(' ')})`, fields };
  }
  if (text.startsWith('at(')) {
    const match = AT.exec(text);
    const local = match ? `${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}` : '';
    if (!match || Number.isNaN(Date.parse(`${local}Z`)) || new Date(`${local}Z`).toISOString().slice(0, 19) !== local) {
      throw new ScheduleError(`Invalid at expression ${JSON.stringify(expression)}: use at(yyyy-mm-ddThh:mm:ss), e.g. at(2027-01-31T09:30:00).`);
    }
    return { kind: 'at', expression: text, local };
  }
  throw new ScheduleError(`Invalid schedule expression ${JSON.stringify(expression)}: EventBridge Scheduler accepts rate(…), cron(…) or at(…).`);
}

const AWS_FIELD_CHARS = [
  { name: 'minutes', chars: /^[0-9,\-*/]+$/ },
  { name: 'hours', chars: /^[0-9,\-*/]+$/ },
  { name: 'day-of-month', chars: /^(\?|[0-9,\-*/LW]+)$/ },
  { name: 'month', chars: /^[0-9A-Za-z,\-*/]+$/ },
  { name: 'day-of-week', chars: /^(\?|[1-7A-Za-z,\-*L#]+)$/ },
  { name: 'year', chars: /^[0-9,\-*/]+$/ },
] as const;

function checkAwsCronFields(expression: string, fields: readonly string[]): void {
  fields.forEach((field, i) => {
    const rule = AWS_FIELD_CHARS[i]!;
    if (!rule.chars.test(field)) {
      throw new ScheduleError(
        `Invalid cron expression ${JSON.stringify(expression)}: the ${rule.name} field ${JSON.stringify(field)} has characters AWS does not accept there.`,
      );
    }
  });
  const [, , dom, , dow] = fields;
  if ((dom === '?') === (dow === '?')) {
    throw new ScheduleError(
      `Invalid cron expression ${JSON.stringify(expression)}: exactly one of day-of-month and day-of-week must be "?" ` +
        '(AWS cannot combine them), e.g. cron(0 12 * * ? *) or cron(30 7 ? * MON *).',
    );
  }
  try {
    awsCron(fields, 'UTC');
  } catch (error) {
    throw new ScheduleError(`Invalid cron expression ${JSON.stringify(expression)}: ${(error as Error).message.replace(/^CronPattern: /, '')}.`);
  }
}

function awsCron(fields: readonly string[], timezone: string): Cron {
  return new Cron(`0 ${fields.join(' ')}`, {
    mode: '7-part',
    alternativeWeekdays: true,
    sloppyRanges: true,
    timezone,
    paused: true,
  });
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)$/i;
const DURATION_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * Reads an interval: seconds as a number, or a duration such as `'3s'`, `'10m'`, `'1h'`, `'2d'`
 * (Celery: `timedelta`).
 * @throws {ScheduleError} when it is not a positive whole number of seconds.
 */
export function parseEvery(every: number | string): number {
  let seconds: number;
  if (typeof every === 'number') {
    seconds = every;
  } else {
    const match = DURATION.exec(every.trim());
    if (!match) throw new ScheduleError(`Invalid interval ${JSON.stringify(every)}: use seconds (3) or a duration such as "3s", "10m", "1h", "2d".`);
    const unit = match[2]!.toLowerCase();
    const factor = unit === 'ms' ? 0.001 : DURATION_SECONDS[unit.startsWith('mi') ? 'm' : unit[0]!]!;
    seconds = Number(match[1]) * factor;
  }
  if (!Number.isFinite(seconds) || seconds < 1 || !Number.isInteger(seconds)) {
    throw new ScheduleError(`Invalid interval ${JSON.stringify(every)}: it must be a whole number of seconds, at least 1.`);
  }
  return seconds;
}

/**
 * The Scheduler expression running an interval, and the fan-out step for sub-minute intervals
 * (the schedule then fires once a minute and the worker enqueues the minute's ticks).
 * @throws {ScheduleError} for intervals Scheduler cannot run evenly (say why and what would work).
 */
export function everyToExpression(seconds: number): { expression: string; fanOutSeconds?: number } {
  if (seconds < 60) {
    if (!(SUB_MINUTE_INTERVALS as readonly number[]).includes(seconds)) {
      throw new ScheduleError(
        `An interval of ${seconds}s cannot run evenly: intervals under a minute fan out from a once-a-minute schedule and must divide 60 ` +
          `(${SUB_MINUTE_INTERVALS.join(', ')} s).`,
      );
    }
    return { expression: 'rate(1 minute)', fanOutSeconds: seconds };
  }
  if (seconds % 60 !== 0) {
    throw new ScheduleError(
      `An interval of ${seconds}s cannot be expressed: EventBridge Scheduler's rate() counts whole minutes. Use ${Math.floor(seconds / 60) * 60}s or ${Math.ceil(seconds / 60) * 60}s.`,
    );
  }
  const minutes = seconds / 60;
  const [value, unit] = minutes % 1440 === 0 ? [minutes / 1440, 'day'] : minutes % 60 === 0 ? [minutes / 60, 'hour'] : [minutes, 'minute'];
  return { expression: `rate(${value} ${unit}${value === 1 ? '' : 's'})` };
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

interface UnixField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const UNIX_FIELDS: readonly UnixField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day-of-week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

/**
 * Translates a 5-field crontab (Celery's `crontab()`, `minute hour day-of-month month day-of-week`,
 * Sunday = 0 or 7) to an EventBridge Scheduler `cron(…)` expression. An expression already in
 * Scheduler form (`cron(…)`) is checked and returned as is.
 * @throws {ScheduleError} for what Scheduler cannot express, saying why: both day-of-month and
 *   day-of-week restricted (crontab runs when either matches; Scheduler cannot), seconds fields,
 *   `@reboot`, out-of-range values.
 * @example
 * crontabToExpression('30 7 * * 1') // 'cron(30 7 ? * 2 *)' (Monday 07:30)
 */
export function crontabToExpression(crontab: string): string {
  const text = crontab.trim();
  if (text.startsWith('cron(')) return parseScheduleExpression(text).expression;
  const expanded = MACROS[text.toLowerCase()] ?? text;
  if (expanded.startsWith('@')) {
    throw new ScheduleError(`Crontab ${JSON.stringify(crontab)} cannot run on a schedule: use one of ${Object.keys(MACROS).join(', ')} or 5 fields.`);
  }
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) {
    throw new ScheduleError(
      `Crontab ${JSON.stringify(crontab)} has ${parts.length} fields; use 5 (minute hour day-of-month month day-of-week), e.g. "30 7 * * 1". ` +
        'Seconds are not supported (Scheduler runs at minute precision); for sub-minute intervals use `every`.',
    );
  }
  const sets = parts.map((part, i) => expandUnixField(crontab, part, UNIX_FIELDS[i]!));
  const [minute, hour, dom, month, dow] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  const domRestricted = parts[2] !== '*';
  const dowRestricted = parts[4] !== '*';
  if (domRestricted && dowRestricted) {
    throw new ScheduleError(
      `Crontab ${JSON.stringify(crontab)} restricts both day-of-month and day-of-week: crontab runs when either matches, ` +
        'EventBridge Scheduler cannot combine them. Split it into two schedules, one for each field.',
    );
  }
  const weekdays = new Set([...dow].map((d) => (d % 7) + 1)); // crontab Sunday = 0/7 → Scheduler Sunday = 1
  const fields = [
    awsField(minute, 0, 59, true),
    awsField(hour, 0, 23, true),
    dowRestricted ? '?' : awsField(dom, 1, 31, true),
    awsField(month, 1, 12, true),
    dowRestricted ? awsField(weekdays, 1, 7, false) : '?',
    '*',
  ];
  return parseScheduleExpression(`cron(${fields.join(' ')})`).expression;
}

function expandUnixField(crontab: string, part: string, field: UnixField): Set<number> {
  const fail = (why: string) => new ScheduleError(`Crontab ${JSON.stringify(crontab)}: the ${field.name} field ${JSON.stringify(part)} ${why}.`);
  const value = (token: string): number => {
    const named = field.names?.indexOf(token.toUpperCase()) ?? -1;
    const n = named >= 0 ? named + (field.name === 'month' ? 1 : 0) : /^\d+$/.test(token) ? Number(token) : NaN;
    if (Number.isNaN(n)) throw fail(`has ${JSON.stringify(token)}, which is not a number${field.names ? ' or a name' : ''}`);
    if (n < field.min || n > field.max) throw fail(`has ${n}, outside ${field.min}–${field.max}`);
    return n;
  };
  const out = new Set<number>();
  for (const item of part.split(',')) {
    const [range, stepText] = item.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw fail(`has an invalid step ${JSON.stringify(stepText)}`);
    let from: number;
    let to: number;
    if (range === '*') {
      [from, to] = [field.min, field.name === 'day-of-week' ? 6 : field.max];
    } else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      [from, to] = [value(a), value(b)];
      if (from > to) throw fail(`has a range ${from}-${to} that runs backwards (Scheduler has no wrap-around ranges); list the values instead`);
    } else {
      from = value(range);
      to = stepText === undefined ? from : field.max;
    }
    for (let n = from; n <= to; n += step) out.add(n);
  }
  return out;
}

function awsField(values: Set<number>, min: number, max: number, steps: boolean): string {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === max - min + 1) return '*';
  if (steps && sorted.length > 2) {
    const step = sorted[1]! - sorted[0]!;
    const start = sorted[0]!;
    const regular = sorted.every((v, i) => v === start + i * step);
    if (regular && step > 1 && start < min + step && sorted.at(-1)! + step > max) return `${start}/${step}`;
  }
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j - i >= 2 ? `${sorted[i]}-${sorted[j]}` : sorted.slice(i, j + 1).join(','));
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * Checks an IANA time zone name (`Asia/Shanghai`, `UTC`).
 * @throws {ScheduleError} when the runtime does not know it.
 */
export function assertTimeZone(timezone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new ScheduleError(`Unknown time zone ${JSON.stringify(timezone)}: use an IANA name such as "UTC", "Europe/Paris" or "Asia/Shanghai".`);
  }
}

/** What next run times are computed from, besides the expression. */
export interface RunWindow {
  /** IANA time zone the expression is read in. */
  readonly timezone: string;
  /** First run of a rate schedule, and no run before it (Scheduler: `StartDate`, else the creation time). */
  readonly start?: Date | undefined;
  /** No run at or after it (Scheduler: `EndDate`). */
  readonly end?: Date | undefined;
}

/**
 * The next `count` run times strictly after `after`, as EventBridge Scheduler computes them: rate
 * schedules every interval from their start; cron in its time zone, where a local time skipped by a
 * daylight-saving change is skipped and a repeated one runs once; `at()` once.
 */
export function nextRunTimes(expression: ScheduleExpression, window: RunWindow, after: Date, count: number): Date[] {
  const out: Date[] = [];
  const end = window.end?.getTime() ?? Infinity;
  const push = (time: number) => {
    if (time < end && out.length < count) out.push(new Date(time));
  };
  if (expression.kind === 'rate') {
    const step = expression.seconds * 1000;
    const anchor = window.start?.getTime() ?? after.getTime();
    const k = Math.max(0, Math.floor((after.getTime() - anchor) / step) + 1);
    for (let i = 0; i < count; i++) push(anchor + (k + i) * step);
    return out;
  }
  if (expression.kind === 'at') {
    const time = atInstant(expression.local, window.timezone);
    if (time > after.getTime()) push(time);
    return out;
  }
  const cron = awsCron(expression.fields, window.timezone);
  let from = new Date(Math.max(after.getTime(), (window.start?.getTime() ?? 0) - 1));
  for (let guard = 0; out.length < count && guard < count * 4 + 8; guard++) {
    const next = cron.nextRun(from);
    if (!next || next.getTime() >= end) break;
    // croner moves a local time skipped by DST to the next valid one; Scheduler skips it.
    if (cron.match(next)) push(next.getTime());
    from = next;
  }
  return out;
}

/** The instant of a wall-clock time (`yyyy-mm-ddThh:mm:ss`) in a time zone. */
export function atInstant(local: string, timezone: string): number {
  const [date, time] = local.split('T') as [string, string];
  const [y, mo, d] = date.split('-');
  const [h, mi, s] = time.split(':');
  const cron = new Cron(`${Number(s)} ${Number(mi)} ${Number(h)} ${Number(d)} ${Number(mo)} ? ${y}`, {
    mode: '7-part',
    timezone,
    paused: true,
  });
  const guess = Date.parse(`${local}Z`);
  const next = cron.nextRun(new Date(guess - 2 * 86_400_000));
  return next ? next.getTime() : guess;
}

/** Formats an instant as Scheduler's `at()` argument, in UTC, to the second. */
export function atExpression(time: Date): string {
  return `at(${time.toISOString().slice(0, 19)})`;
}
