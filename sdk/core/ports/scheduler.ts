/**
 * A schedule as celeriac writes it: an expression, and the message it sends to one of the app's
 * queues each time it runs.
 */
export interface ScheduleSpec {
  /** Schedule group (`<app>` for periodic schedules, `<app>-eta` for long countdowns). */
  readonly group: string;
  /** Name, unique in its group: letters, digits, `-`, `_` and `.`, at most 64. */
  readonly name: string;
  /** Scheduler expression: `rate(…)`, `cron(…)` or `at(…)`. */
  readonly expression: string;
  /** IANA time zone the expression is read in. */
  readonly timezone: string;
  /** Whether it runs. */
  readonly enabled: boolean;
  /** Free text shown in the console and the CLI. */
  readonly description?: string | undefined;
  /** No run before this time. */
  readonly start?: Date | undefined;
  /** No run at or after this time. */
  readonly end?: Date | undefined;
  /** Delete the schedule once it has run for the last time (one-time `at()` schedules). */
  readonly deleteAfterCompletion: boolean;
  /** Physical name of the queue it sends to (`<app>-<queue>`). */
  readonly queueName: string;
  /** The message body it sends: an envelope, which may hold Scheduler context placeholders. */
  readonly input: string;
}

/** A schedule as read back: also those made by hand, which may send anything anywhere. */
export interface StoredSchedule extends Omit<ScheduleSpec, 'queueName' | 'input'> {
  /** Schedule ARN. */
  readonly arn: string;
  /** ARN of what it invokes. */
  readonly targetArn: string;
  /** Physical queue name, when the target is an SQS queue. */
  readonly queueName: string | undefined;
  /** The message body it sends, as stored (unchecked). */
  readonly input: string | undefined;
  readonly createdAt?: Date | undefined;
  readonly modifiedAt?: Date | undefined;
}

/**
 * Where schedules live (Celery: beat's schedule; on AWS: EventBridge Scheduler). Adapters map the
 * service's errors to `ScheduleError` with the codes `SCHEDULE_EXISTS` and `SCHEDULE_NOT_FOUND`.
 */
export interface Scheduler {
  /** Creates a schedule (and its group when missing). @throws {ScheduleError} `SCHEDULE_EXISTS`. */
  create(spec: ScheduleSpec): Promise<StoredSchedule>;
  /** Replaces a schedule's settings. @throws {ScheduleError} `SCHEDULE_NOT_FOUND`. */
  update(spec: ScheduleSpec): Promise<StoredSchedule>;
  /** Reads one schedule, or undefined. */
  get(group: string, name: string): Promise<StoredSchedule | undefined>;
  /** Every schedule of a group (none when the group does not exist). */
  list(group: string): Promise<StoredSchedule[]>;
  /** Deletes a schedule; false when there was none. */
  delete(group: string, name: string): Promise<boolean>;
}
