/**
 * What the worker reads from a message before it claims the task (envelope, task, arguments, queue,
 * sent time), and the error that refuses a message.
 */
import type { App, ResolvedQueue } from '../core/app.js';
import type { ClaimOutcome } from '../core/ports/result-backend.js';
import type { Envelope } from '../core/protocol/envelope.js';
import { decodeMessageBody } from '../core/protocol/message.js';
import { validateArgs } from '../core/schema.js';
import type { AnyTask } from '../core/task.js';
import type { QueueRecord } from './worker-types.js';

/** A message that cannot run: its record says why, and it goes to the dead-letter queue. */
export class Poison extends Error {
  constructor(
    readonly original: unknown,
    readonly envelope?: Envelope,
    /** Retries made so far, when the task was claimed before it was rejected. */
    readonly retries?: number,
  ) {
    super('poison');
  }
}

/** The message's envelope (celeriac's, or a Celery message read into one). @throws {Poison} when the body is neither. */
export function decodeMessage(record: QueueRecord): Envelope {
  try {
    return decodeMessageBody(record.body, record);
  } catch (error) {
    throw new Poison(error);
  }
}

/** The task the envelope names. @throws {Poison} when the app has no such task. */
export function lookupTask(app: App, envelope: Envelope): AnyTask {
  try {
    return app.getTask(envelope.task);
  } catch (error) {
    throw new Poison(error, envelope);
  }
}

/** The task's arguments, checked by its schema. @throws {Poison} when they fail it. */
export async function validateMessageArgs(task: AnyTask, envelope: Envelope): Promise<unknown[]> {
  const args: unknown[] = Object.keys(envelope.kwargs).length ? [...envelope.args, envelope.kwargs] : [...envelope.args];
  try {
    return await validateArgs(task.name, task.options.argsSchema, args);
  } catch (error) {
    throw new Poison(error, envelope);
  }
}

/** The queue a message came from: by its ARN, else the envelope's queue, else the app's default. */
export function queueOf(app: App, record: QueueRecord, envelope: Envelope | undefined): ResolvedQueue {
  const physical = parseQueueName(record.eventSourceARN);
  return app.queueByPhysicalName(physical) ?? (envelope?.queue ? app.queues.get(envelope.queue) : undefined) ?? app.queue(app.defaultQueue);
}

/** Lean mode (`duplicateProtection: false`): run without a claim; retries counted from the receive count. */
export function unclaimed(record: QueueRecord, envelope: Envelope): Extract<ClaimOutcome, { status: 'claimed' }> {
  return { status: 'claimed', retries: envelope.retries + receiveCount(record) - 1 };
}

/** How many times SQS has delivered the message, this delivery included (1 when unknown or unreadable). */
export function receiveCount(record: QueueRecord): number {
  const received = Number(record.attributes?.ApproximateReceiveCount ?? '1');
  return Number.isFinite(received) ? Math.max(1, received) : 1;
}

/** When a message was sent: the envelope's `sentAt`, else the broker's timestamp, else now. */
export function sentTime(record: QueueRecord, sentAt: string | null, now: number): Date {
  const fromEnvelope = sentAt === null ? NaN : Date.parse(sentAt);
  if (Number.isFinite(fromEnvelope)) return new Date(fromEnvelope);
  const fromBroker = Number(record.attributes?.SentTimestamp);
  return new Date(Number.isFinite(fromBroker) && fromBroker > 0 ? fromBroker : now);
}

/** The physical queue name at the end of a queue ARN. */
export function parseQueueName(arn: string): string {
  return arn.split(':').pop() ?? '';
}
