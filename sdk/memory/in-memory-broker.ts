import { randomUUID } from 'node:crypto';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../core/defaults.js';
import type { Broker, DeadLetter, OutgoingMessage, SendOutcome } from '../core/ports/broker.js';
import type { Clock } from '../core/ports/clock.js';
import { systemClock } from '../core/ports/clock.js';

/** A message held by {@link InMemoryBroker}. */
export interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  receiptHandle: string;
  visibleAt: number;
  receiveCount: number;
  readonly sentAt: number;
  /** Reason kept with a dead-lettered message. */
  readonly reason?: DeadLetter['reason'];
}

/** A received message, shaped like a Lambda SQS record. */
export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly eventSourceARN: string;
  readonly attributes: { readonly ApproximateReceiveCount: string; readonly SentTimestamp: string };
}

/** Options of {@link InMemoryBroker}. */
export interface InMemoryBrokerOptions {
  /** @default - the system clock */
  readonly clock?: Clock;
  /** @default 1048576 */
  readonly maxMessageBytes?: number;
  /** Visibility timeout of received messages, in seconds. @default 30 */
  readonly visibilityTimeoutSeconds?: number;
  /** Makes `sendBatch` refuse some entries, to test failure paths: return an error code to refuse. @default - accept all */
  readonly refuse?: (message: OutgoingMessage) => string | undefined;
}

const ARN_PREFIX = 'arn:aws:sqs:memory:000000000000:';

/**
 * A broker in process memory with SQS semantics that matter to the worker: delays, visibility
 * timeouts, receive counts and dead-letter queues (`<queue>-dlq`). For unit tests and `celeriac/testing`.
 */
export class InMemoryBroker implements Broker {
  readonly maxMessageBytes: number;
  /** Requests made: what a task costs in broker calls. */
  readonly requests = { sendBatch: 0, changeVisibility: 0, deadLetter: 0 };
  private readonly queues = new Map<string, StoredMessage[]>();
  private readonly clock: Clock;
  private readonly visibilityMs: number;

  constructor(private readonly options: InMemoryBrokerOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.visibilityMs = (options.visibilityTimeoutSeconds ?? 30) * 1000;
  }

  async sendBatch(queueName: string, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    this.requests.sendBatch += 1;
    const queue = this.queue(queueName);
    return messages.map((message) => {
      const refused = this.options.refuse?.(message);
      if (refused) return { ok: false, code: refused, message: `refused by the test broker` };
      const messageId = randomUUID();
      const now = this.clock.now();
      queue.push({ messageId, body: message.body, receiptHandle: randomUUID(), visibleAt: now + message.delaySeconds * 1000, receiveCount: 0, sentAt: now });
      return { ok: true, messageId };
    });
  }

  async changeVisibility(source: string, receiptHandle: string, timeoutSeconds: number): Promise<void> {
    this.requests.changeVisibility += 1;
    const message = this.queue(nameOf(source)).find((m) => m.receiptHandle === receiptHandle);
    if (!message) throw Object.assign(new Error(`No in-flight message with receipt handle ${receiptHandle}`), { name: 'ReceiptHandleIsInvalid' });
    message.visibleAt = this.clock.now() + timeoutSeconds * 1000;
  }

  async deadLetter(source: string, letter: DeadLetter): Promise<void> {
    this.requests.deadLetter += 1;
    const now = this.clock.now();
    this.queue(`${nameOf(source)}-dlq`).push({
      messageId: randomUUID(),
      body: letter.body,
      receiptHandle: randomUUID(),
      visibleAt: now,
      receiveCount: 0,
      sentAt: now,
      reason: letter.reason,
    });
  }

  /** Receives up to `max` visible messages, hiding them for the visibility timeout. */
  receive(queueName: string, max = 10): ReceivedMessage[] {
    const now = this.clock.now();
    const batch = this.queue(queueName)
      .filter((m) => m.visibleAt <= now)
      .slice(0, max);
    return batch.map((m) => {
      m.receiveCount += 1;
      m.receiptHandle = randomUUID();
      m.visibleAt = now + this.visibilityMs;
      return {
        messageId: m.messageId,
        receiptHandle: m.receiptHandle,
        body: m.body,
        eventSourceARN: ARN_PREFIX + queueName,
        attributes: { ApproximateReceiveCount: String(m.receiveCount), SentTimestamp: String(m.sentAt) },
      };
    });
  }

  /** Deletes a received message. */
  delete(queueName: string, receiptHandle: string): void {
    const queue = this.queue(queueName);
    const index = queue.findIndex((m) => m.receiptHandle === receiptHandle);
    if (index >= 0) queue.splice(index, 1);
  }

  /** Every message of a queue, visible or not. */
  messages(queueName: string): readonly StoredMessage[] {
    return this.queue(queueName);
  }

  /** The ARN a received message of `queueName` carries. */
  arnOf(queueName: string): string {
    return ARN_PREFIX + queueName;
  }

  private queue(name: string): StoredMessage[] {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = [];
      this.queues.set(name, queue);
    }
    return queue;
  }
}

function nameOf(source: string): string {
  return source.split(':').pop() ?? source;
}
