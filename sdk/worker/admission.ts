/**
 * The steps a delivery goes through before its task runs, in order: each returns `continue` or the
 * decision that ends the path (see {@link Decision}).
 */
import { ErrorCode } from '../core/errors.js';
import { ScheduleHeader } from '../core/protocol/schedule-headers.js';
import { TaskState } from '../core/states.js';
import { scheduleFarEta } from './celery-input.js';
import { fanOutMessages } from './fan-out.js';
import { CONTINUE, type Decision, type Delivery, type WorkerParts } from './delivery.js';
import { parseQueueName, unclaimed } from './message-input.js';
import { baseRecord } from './task-records.js';

/** One step of the path: reads (and may complete) the delivery, decides. */
export type Step = (parts: WorkerParts, delivery: Delivery) => Promise<Decision>;

/** A sub-minute schedule's firing: enqueue the minute's runs, then drop the firing. */
export const fanOut: Step = async ({ app, log }, { record, envelope, now }) => {
  const every = envelope.headers[ScheduleHeader.every];
  if (typeof every !== 'number') return CONTINUE;
  const messages = fanOutMessages(envelope, every, now);
  const queueName = parseQueueName(record.eventSourceARN);
  for (let i = 0; i < messages.length; i += 10) {
    const outcomes = await app.broker().sendBatch(queueName, messages.slice(i, i + 10));
    const refused = outcomes.find((outcome) => !outcome.ok);
    // Sent runs are deduplicated by id when the firing is retried.
    if (refused && !refused.ok) throw new Error(`fan-out of ${envelope.task} not fully sent: ${refused.code}: ${refused.message}`);
  }
  log({ type: 'fanned-out', id: envelope.id, task: envelope.task, runs: messages.length, everySeconds: every });
  return { kind: 'ack' };
};

/** An eta more than a second ahead: back to the queue until then. */
export const awaitEta: Step = async ({ app }, { envelope, now, record }) => {
  if (!envelope.eta || Date.parse(envelope.eta) - now <= 1000) return CONTINUE;
  if (await scheduleFarEta(app, parseQueueName(record.eventSourceARN), envelope, now)) return { kind: 'ack' };
  return { kind: 'defer', seconds: Math.ceil((Date.parse(envelope.eta) - now) / 1000), reason: 'eta' };
};

/** Not started when it could not finish in this invocation: left to the queue for another. */
export const checkDeadline: Step = async ({ safetyMarginMs }, { task, options }) => {
  if (options.deadlineMs === undefined) return CONTINUE;
  const needMs = (task.options.timeLimitSeconds ?? 0) * 1000 + safetyMarginMs;
  // The deadline is the invocation's, in real time (the app's clock may be a test's).
  return options.deadlineMs - Date.now() < needMs ? { kind: 'defer', seconds: 1, reason: 'deadline' } : CONTINUE;
};

/**
 * A rate-limited task reserves its turn before the claim (see RateGate); a full schedule sends it
 * back to the queue until its turn is near: delayed, never failed or dropped.
 */
export const reserveRateTurn: Step = async ({ rates }, delivery) => {
  if (!delivery.task.options.rateLimit) return CONTINUE;
  const reserved = await rates.reserve(delivery.task);
  if (reserved.status === 'busy') return { kind: 'defer', seconds: rates.secondsUntilNear(reserved.busyUntilMs), reason: 'rate' };
  delivery.turn = reserved.turn;
  return CONTINUE;
};

/**
 * Claims the task (one conditional write), or in lean mode counts retries from the receive count.
 * A finished task is a duplicate: acknowledged (re-joining its chord, idempotently, covers a crash
 * between its record and its join); one running under a live lease comes back when the lease ends.
 */
export const claim: Step = async ({ app, log, workflow }, delivery) => {
  const { envelope, queue, now, task, record } = delivery;
  const outcome = task.options.duplicateProtection
    ? await app.backend().claim({
        id: envelope.id,
        task: envelope.task,
        queue: queue.name,
        now: new Date(now),
        leaseUntil: new Date(now + queue.visibilityTimeoutSeconds * 1000),
        expiresAt: delivery.expiresAt,
        monitoring: delivery.monitoring,
        firstDelivery: delivery.receiveCount === 1,
      })
    : unclaimed(record, envelope);
  if (outcome.status === 'finished') {
    log({ type: 'duplicate', id: envelope.id, task: envelope.task, state: outcome.state });
    if (outcome.state === TaskState.SUCCESS && envelope.chord !== null) await workflow.joinChord(envelope);
    return { kind: 'ack' };
  }
  if (outcome.status === 'running') return { kind: 'defer', seconds: Math.ceil((outcome.leaseUntil.getTime() - now) / 1000) + 1, reason: 'running' };
  delivery.retries = outcome.retries;
  delivery.retryHistory = outcome.retryHistory ?? [];
  return CONTINUE;
};

/** Received after its `expires`: recorded REVOKED. After the claim, so a late duplicate of a finished task never overwrites its record. */
export const checkExpiry: Step = async ({ app, log }, delivery) => {
  const { envelope, now } = delivery;
  if (!envelope.expires || Date.parse(envelope.expires) > now) return CONTINUE;
  const reason = `expired at ${envelope.expires}, before a worker could start it`;
  await app.backend().save({
    ...baseRecord(app, delivery),
    ...delivery.monitoring,
    state: TaskState.REVOKED,
    retries: delivery.retries,
    dateDone: new Date(now),
    error: { type: 'TaskExpired', code: ErrorCode.TASK_REVOKED, message: `Task ${reason}` },
  });
  log({ type: 'revoked', id: envelope.id, task: envelope.task, reason });
  delivery.hooks.fire('revoked', { id: envelope.id, task: envelope.task, reason, terminated: false });
  return { kind: 'ack' };
};

/** Waits for the reserved turn; a turn missed (a slow request in between) releases the claim and queues the task for a new one. */
export const awaitRateTurn: Step = async ({ app, rates }, delivery) => {
  if (delivery.turn === undefined || (await rates.awaitTurn(delivery.task, delivery.turn)).status !== 'missed') return CONTINUE;
  await app.backend().save({ ...baseRecord(app, delivery), state: TaskState.PENDING, retries: delivery.retries });
  return { kind: 'defer', seconds: 1, reason: 'rate' };
};

/** The steps before the run, in order. */
export const ADMISSION: readonly Step[] = [fanOut, awaitEta, checkDeadline, reserveRateTurn, claim, checkExpiry, awaitRateTurn];
