import type { JsonValue } from '../json.js';

/**
 * Envelope headers of messages sent by a schedule. Scheduler fills the `<aws.scheduler.…>`
 * placeholders in a schedule's Input each time it runs, so every run knows its schedule and time.
 */
export const ScheduleHeader = {
  /** ARN of the schedule that sent the message. */
  schedule: 'celeriac-schedule',
  /** The run's scheduled time (ISO 8601). */
  scheduledTime: 'celeriac-scheduled-time',
  /** Sub-minute interval in seconds: the message is a fan-out that enqueues the minute's runs. */
  every: 'celeriac-every',
  /** Seconds after the scheduled time at which the run expires (REVOKED if not started). */
  expiresIn: 'celeriac-expires-in',
} as const;

/** Scheduler's context attributes, substituted in a schedule's Input when it runs. */
export const SchedulerPlaceholder = {
  scheduleArn: '<aws.scheduler.schedule-arn>',
  scheduledTime: '<aws.scheduler.scheduled-time>',
  executionId: '<aws.scheduler.execution-id>',
  attemptNumber: '<aws.scheduler.attempt-number>',
} as const;

/** The schedule a message came from. */
export interface ScheduleRun {
  readonly arn: string;
  readonly group: string;
  readonly name: string;
  /** ISO 8601, when the message carries it. */
  readonly scheduledTime: string | undefined;
}

const SCHEDULE_ARN = /arn:aws[a-z-]*:scheduler:[a-z0-9-]*:\d*:schedule\/([0-9A-Za-z_.-]{1,64})\/([0-9A-Za-z_.-]{1,64})/;
const TIME = /"celeriac-scheduled-time"\s*:\s*"([^"]{1,40})"/;

/** The schedule named by an envelope's headers, or undefined. */
export function scheduleRunOf(headers: Readonly<Record<string, JsonValue>>): ScheduleRun | undefined {
  const arn = headers[ScheduleHeader.schedule];
  const match = typeof arn === 'string' ? SCHEDULE_ARN.exec(arn) : null;
  if (!match) return undefined;
  const time = headers[ScheduleHeader.scheduledTime];
  return {
    arn: match[0],
    group: match[1]!,
    name: match[2]!,
    scheduledTime: typeof time === 'string' && !Number.isNaN(Date.parse(time)) ? time : undefined,
  };
}

/**
 * Finds the schedule in a body that may not even be JSON (a bad hand edit in the console), so the
 * failure can still name it.
 */
export function salvageScheduleRun(body: string): ScheduleRun | undefined {
  const match = SCHEDULE_ARN.exec(body);
  if (!match) return undefined;
  const time = TIME.exec(body)?.[1];
  return { arn: match[0], group: match[1]!, name: match[2]!, scheduledTime: time && !Number.isNaN(Date.parse(time)) ? time : undefined };
}

/**
 * The task id of a schedule's run: `<group>.<name>@<time>`, the same for every delivery of that run,
 * so a duplicate delivery never runs twice.
 */
export function scheduleRunTaskId(run: ScheduleRun, at: string | undefined = run.scheduledTime): string | undefined {
  if (at === undefined) return undefined;
  const compact = new Date(at)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `${run.group}.${run.name}@${compact}`;
}

/** Names a schedule run for people: `group/name (run of <time>)`. */
export function describeScheduleRun(run: ScheduleRun): string {
  return `schedule ${run.group}/${run.name}${run.scheduledTime ? ` (run of ${run.scheduledTime})` : ''}`;
}
