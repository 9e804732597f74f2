import { MAX_BATCH_ENTRIES } from './defaults.js';
import { EnqueueError, isTransientError, PayloadTooLargeError } from './errors.js';
import { utf8Length } from './json.js';
import type { Broker, OutgoingMessage } from './ports/broker.js';

interface Pending {
  readonly message: OutgoingMessage;
  readonly bytes: number;
  readonly resolve: (messageId: string) => void;
  readonly reject: (error: Error) => void;
}

interface Buffer {
  entries: Pending[];
  bytes: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Coalesces messages published within `lingerMs` into `SendMessageBatch` calls of at most 10 entries
 * and at most the broker's size limit. Each caller's promise settles with its own entry's outcome.
 */
export class BatchingPublisher {
  private readonly buffers = new Map<string, Buffer>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly broker: () => Broker,
    private readonly lingerMs: number,
  ) {}

  /**
   * Queues one message; resolves with the broker's message id once its batch is sent.
   * @throws {PayloadTooLargeError} before sending, when the message exceeds the limit.
   * @throws {EnqueueError} when the broker refuses this entry or the whole request.
   */
  publish(queueName: string, taskName: string, message: OutgoingMessage): Promise<string> {
    const broker = this.broker();
    const bytes = utf8Length(message.body);
    if (bytes > broker.maxMessageBytes) {
      return Promise.reject(new PayloadTooLargeError(taskName, bytes, broker.maxMessageBytes));
    }
    return new Promise<string>((resolve, reject) => {
      let buffer = this.buffers.get(queueName);
      if (buffer && buffer.bytes + bytes > broker.maxMessageBytes) {
        this.flush(queueName);
        buffer = undefined;
      }
      if (!buffer) {
        buffer = { entries: [], bytes: 0, timer: undefined };
        this.buffers.set(queueName, buffer);
      }
      buffer.entries.push({ message, bytes, resolve, reject });
      buffer.bytes += bytes;
      if (buffer.entries.length >= MAX_BATCH_ENTRIES) {
        this.flush(queueName);
      } else if (!buffer.timer) {
        buffer.timer = setTimeout(() => this.flush(queueName), this.lingerMs);
      }
    });
  }

  /** Sends everything buffered now and resolves when every request in flight has settled. */
  async drain(): Promise<void> {
    for (const queueName of [...this.buffers.keys()]) this.flush(queueName);
    await Promise.allSettled([...this.inFlight]);
  }

  private flush(queueName: string): void {
    const buffer = this.buffers.get(queueName);
    if (!buffer) return;
    this.buffers.delete(queueName);
    if (buffer.timer) clearTimeout(buffer.timer);
    const request = this.send(queueName, buffer.entries).finally(() => this.inFlight.delete(request));
    this.inFlight.add(request);
  }

  private async send(queueName: string, entries: readonly Pending[]): Promise<void> {
    let outcomes;
    try {
      outcomes = await this.broker().sendBatch(
        queueName,
        entries.map((e) => e.message),
      );
    } catch (cause) {
      // The broker's own code: an SDK error's name, or what a celeriac error kept of it.
      const code = (cause as { brokerCode?: string }).brokerCode ?? (cause as { name?: string }).name ?? 'Error';
      const retryable = isTransientError(cause);
      for (const entry of entries) {
        entry.reject(new EnqueueError(entry.message.id, code, (cause as Error).message ?? String(cause), { cause, retryable }));
      }
      return;
    }
    entries.forEach((entry, i) => {
      const outcome = outcomes[i];
      if (!outcome) entry.reject(new EnqueueError(entry.message.id, 'MissingOutcome', 'the broker returned no outcome for this entry'));
      else if (outcome.ok) entry.resolve(outcome.messageId);
      else entry.reject(new EnqueueError(entry.message.id, outcome.code, outcome.message, { retryable: isTransientError({ name: outcome.code }) }));
    });
  }
}
