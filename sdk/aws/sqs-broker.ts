import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../core/defaults.js';
import { ConfigError, QueueNotFoundError } from '../core/errors.js';
import type { Broker, DeadLetter, OutgoingMessage, SendOutcome } from '../core/ports/broker.js';

/** Options of {@link SqsBroker}. */
export interface SqsBrokerOptions {
  readonly client: SQSClient;
  /**
   * Queue URLs by physical queue name, to skip the `GetQueueUrl` look-up.
   * @default - looked up once per queue with `GetQueueUrl`
   */
  readonly queueUrls?: Readonly<Record<string, string>>;
  /**
   * Message size limit in bytes (the queue's `MaximumMessageSize`).
   * @default 1048576
   */
  readonly maxMessageBytes?: number;
}

/** Message attributes a dead-lettered message carries, so the DLQ says why. */
export const DEAD_LETTER_ATTRIBUTES = {
  code: 'celeriac-error-code',
  message: 'celeriac-error-message',
  taskId: 'celeriac-task-id',
  sourceMessageId: 'celeriac-source-message-id',
  schedule: 'celeriac-schedule',
} as const;

/**
 * The SQS broker: `SendMessageBatch` to publish, `ChangeMessageVisibility` to defer, and the queue's
 * redrive policy to find its dead-letter queue. Queue URLs are looked up once and cached.
 */
export class SqsBroker implements Broker {
  readonly maxMessageBytes: number;
  private readonly client: SQSClient;
  private readonly urls = new Map<string, Promise<string>>();
  private readonly deadLetterUrls = new Map<string, Promise<string>>();
  private readonly arns = new Map<string, Promise<string>>();

  constructor(options: SqsBrokerOptions) {
    this.client = options.client;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    for (const [name, url] of Object.entries(options.queueUrls ?? {})) this.urls.set(name, Promise.resolve(url));
  }

  async sendBatch(queueName: string, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    const output = await this.client.send(
      new SendMessageBatchCommand({
        QueueUrl: await this.queueUrl(queueName),
        Entries: messages.map((m, i) => ({ Id: `m${i}`, MessageBody: m.body, ...(m.delaySeconds ? { DelaySeconds: m.delaySeconds } : {}) })),
      }),
    );
    const outcomes = new Map<string, SendOutcome>();
    for (const ok of output.Successful ?? []) outcomes.set(ok.Id!, { ok: true, messageId: ok.MessageId! });
    for (const failed of output.Failed ?? []) {
      outcomes.set(failed.Id!, { ok: false, code: failed.Code ?? 'Unknown', message: failed.Message ?? 'SQS refused the entry' });
    }
    return messages.map((_, i) => outcomes.get(`m${i}`) ?? { ok: false, code: 'MissingOutcome', message: 'SQS returned no outcome for this entry' });
  }

  async changeVisibility(source: string, receiptHandle: string, timeoutSeconds: number): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: await this.queueUrlOf(source),
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: timeoutSeconds,
      }),
    );
  }

  async deadLetter(source: string, letter: DeadLetter): Promise<void> {
    const text = (value: string) => ({ DataType: 'String', StringValue: value.slice(0, 1024) || '-' });
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: await this.deadLetterUrlOf(source),
        MessageBody: letter.body,
        MessageAttributes: {
          [DEAD_LETTER_ATTRIBUTES.code]: text(letter.reason.code),
          [DEAD_LETTER_ATTRIBUTES.message]: text(letter.reason.message),
          [DEAD_LETTER_ATTRIBUTES.sourceMessageId]: text(letter.messageId),
          ...(letter.reason.taskId ? { [DEAD_LETTER_ATTRIBUTES.taskId]: text(letter.reason.taskId) } : {}),
          ...(letter.reason.schedule ? { [DEAD_LETTER_ATTRIBUTES.schedule]: text(letter.reason.schedule) } : {}),
        },
      }),
    );
  }

  /** URL of a queue by physical name. */
  queueUrl(queueName: string, ownerAccountId?: string): Promise<string> {
    let url = this.urls.get(queueName);
    if (!url) {
      url = this.client
        .send(new GetQueueUrlCommand({ QueueName: queueName, ...(ownerAccountId ? { QueueOwnerAWSAccountId: ownerAccountId } : {}) }))
        .then((out) => out.QueueUrl!)
        .catch((error: unknown) => {
          this.urls.delete(queueName);
          // Only a missing queue is worth a hint; an unreachable endpoint keeps its own (transient) error.
          if (!/QueueDoesNotExist|NonExistentQueue/.test((error as Error).name ?? '')) throw error;
          throw new QueueNotFoundError(queueName, (error as Error).name, { cause: error });
        });
      this.urls.set(queueName, url);
    }
    return url;
  }

  /** ARN of a queue by physical name (looked up once). */
  queueArn(queueName: string): Promise<string> {
    let arn = this.arns.get(queueName);
    if (!arn) {
      arn = this.queueUrl(queueName).then(async (url) => {
        const out = await this.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
        return out.Attributes!.QueueArn!;
      });
      arn.catch(() => this.arns.delete(queueName));
      this.arns.set(queueName, arn);
    }
    return arn;
  }

  private queueUrlOf(source: string): Promise<string> {
    const { name, account } = parseQueueArn(source);
    return this.queueUrl(name, account);
  }

  private deadLetterUrlOf(source: string): Promise<string> {
    let url = this.deadLetterUrls.get(source);
    if (!url) {
      url = (async () => {
        const output = await this.client.send(new GetQueueAttributesCommand({ QueueUrl: await this.queueUrlOf(source), AttributeNames: ['RedrivePolicy'] }));
        const policy = output.Attributes?.RedrivePolicy;
        const target = policy ? (JSON.parse(policy) as { deadLetterTargetArn?: string }).deadLetterTargetArn : undefined;
        if (!target) {
          throw new ConfigError(`Queue ${source} has no dead-letter queue (no RedrivePolicy): poison messages cannot be kept.`);
        }
        return this.queueUrlOf(target);
      })();
      url.catch(() => this.deadLetterUrls.delete(source));
      this.deadLetterUrls.set(source, url);
    }
    return url;
  }
}

/** Reads the queue name and account from an SQS queue ARN (`arn:aws:sqs:region:account:name`). */
export function parseQueueArn(arn: string): { name: string; account: string | undefined; region: string | undefined } {
  const parts = arn.split(':');
  if (parts.length >= 6 && parts[0] === 'arn') return { name: parts[5]!, account: parts[4] || undefined, region: parts[3] || undefined };
  return { name: arn, account: undefined, region: undefined };
}
