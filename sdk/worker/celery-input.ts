/**
 * The worker's hooks for messages that came from Celery (or carry a far `eta`): the ids of a refused
 * Celery message, a message's own time limits, and a far eta handed to the scheduler.
 */
import type { App } from '../core/app.js';
import { MAX_DELAY_SECONDS } from '../core/defaults.js';
import { CeleryMessageError, ErrorCode, ScheduleError } from '../core/errors.js';
import { CELERY_TIMELIMIT_HEADER } from '../core/protocol/celery.js';
import { encodeEnvelope, type Envelope } from '../core/protocol/envelope.js';
import type { AnyTask } from '../core/task.js';

/** The task id and name a refused Celery message carried, so its FAILURE is stored where its client polls. */
export function refusedCeleryIds(error: unknown): { id?: string; task?: string } {
  if (!(error instanceof CeleryMessageError)) return {};
  return { ...(error.taskId ? { id: error.taskId } : {}), ...(error.taskName ? { task: error.taskName } : {}) };
}

/** The task's time limits, tightened by the message's own (Celery's `time_limit=` / `soft_time_limit=`). */
export function timeLimitsOf(task: AnyTask, envelope: Envelope): { softTimeLimitSeconds: number | undefined; timeLimitSeconds: number | undefined } {
  const [hard, soft] = (envelope.headers[CELERY_TIMELIMIT_HEADER] as [number | null, number | null] | undefined) ?? [null, null];
  const tighter = (own: number | undefined, sent: number | null) => (sent === null ? own : own === undefined ? sent : Math.min(own, sent));
  return { softTimeLimitSeconds: tighter(task.options.softTimeLimitSeconds, soft), timeLimitSeconds: tighter(task.options.timeLimitSeconds, hard) };
}

/**
 * A message whose eta is beyond SQS's 15-minute delay goes to a one-time schedule, as a far countdown
 * does: durable, and no message kept in flight until then (Celery on SQS holds it unacknowledged, and
 * SQS redelivers it each visibility timeout). Returns false when the app has no scheduler, or the eta
 * is near: the caller defers the message on the queue instead.
 */
export async function scheduleFarEta(app: App, queueName: string, envelope: Envelope, now: number): Promise<boolean> {
  if (!envelope.eta || !app.transport().scheduler) return false;
  const at = Date.parse(envelope.eta);
  if (at - now <= MAX_DELAY_SECONDS * 1000) return false;
  try {
    await app.schedules.scheduleCountdown(envelope.id, envelope.task, queueName, encodeEnvelope(envelope), new Date(Math.ceil(at / 1000) * 1000));
  } catch (error) {
    // A redelivered message finds its schedule made: the first delivery's work is done.
    if (!(error instanceof ScheduleError && error.code === ErrorCode.SCHEDULE_EXISTS)) throw error;
  }
  return true;
}
