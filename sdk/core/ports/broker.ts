/** One message to send. */
export interface OutgoingMessage {
  /** Id unique within the batch (the task id). */
  readonly id: string;
  /** The encoded envelope. */
  readonly body: string;
  /** Seconds before the message becomes visible (0–900). */
  readonly delaySeconds: number;
}

/** Outcome of one message of a batch, in the order the messages were given. */
export type SendOutcome = { readonly ok: true; readonly messageId: string } | { readonly ok: false; readonly code: string; readonly message: string };

/** A message the worker gives up on, to keep in the dead-letter queue. */
export interface DeadLetter {
  /** The body exactly as received. */
  readonly body: string;
  /** The broker's message id. */
  readonly messageId: string;
  /** Why it was dead-lettered, kept beside the body (SQS: message attributes). */
  readonly reason: {
    readonly code: string;
    readonly message: string;
    readonly taskId?: string;
    /** The schedule that sent it (`group/name`), when known. */
    readonly schedule?: string;
  };
}

/**
 * The message transport (Celery's broker). Queues are named by their physical name
 * (e.g. `shop-default`); `source` is how a received message names its queue (on SQS, the queue ARN
 * of the event source).
 */
export interface Broker {
  /** Largest message, and largest batch, in bytes. */
  readonly maxMessageBytes: number;
  /**
   * Sends up to 10 messages in one request. Resolves with one outcome per message, in order; rejects
   * only when the whole request failed (then no message of it is known to be sent).
   */
  sendBatch(queueName: string, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]>;
  /** Makes a received message visible again after `timeoutSeconds` (0 = now). */
  changeVisibility(source: string, receiptHandle: string, timeoutSeconds: number): Promise<void>;
  /** Copies a received message to its queue's dead-letter queue, with the reason. */
  deadLetter(source: string, letter: DeadLetter): Promise<void>;
}
