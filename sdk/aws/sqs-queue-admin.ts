import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { App } from '../core/app.js';
import { QueueAdminError } from '../core/errors.js';
import type { DeadLetterMessage, ProgressListener, QueueAdmin, QueueStats, RedriveOutcome } from '../core/ports/inspection.js';
import { DEAD_LETTER_ATTRIBUTES } from './sqs-broker.js';

/** Options of {@link SqsQueueAdmin}. */
export interface SqsQueueAdminOptions {
  readonly app: App;
  readonly client: SQSClient;
  /**
   * How a full redrive moves messages back: `move-task` uses SQS's `StartMessageMoveTask` (AWS),
   * `copy` receives, sends and deletes each message (emulators, which lack the move task).
   * A selected redrive always copies.
   * @default 'move-task'
   */
  readonly redriveMethod?: 'move-task' | 'copy';
}

/** Seconds a peeked or copied dead letter stays hidden from other readers while it is handled. */
const HOLD_SECONDS = 30;

/**
 * Queue counts, dead letters, redrive and purge on SQS. A redrive never loses a message: each one is
 * sent back to its queue before it is deleted from the dead-letter queue (a failure in between can
 * only duplicate it, and the worker runs a task id once).
 */
export class SqsQueueAdmin implements QueueAdmin {
  private readonly urls = new Map<string, Promise<string>>();

  constructor(private readonly options: SqsQueueAdminOptions) {}

  async stats(queue: string): Promise<QueueStats> {
    const settings = this.options.app.queue(queue);
    const [main, dlq] = await Promise.all([this.attributes(settings.queueName), this.attributes(settings.deadLetterQueueName)]);
    return {
      name: queue,
      queueName: settings.queueName,
      visible: Number(main.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(main.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(main.ApproximateNumberOfMessagesDelayed ?? 0),
      deadLetters: Number(dlq.ApproximateNumberOfMessages ?? 0) + Number(dlq.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  }

  async peekDeadLetters(queue: string, max: number): Promise<DeadLetterMessage[]> {
    const url = await this.url(this.options.app.queue(queue).deadLetterQueueName);
    const messages = await this.receiveAll(url, max);
    await this.release(url, messages);
    return messages.map(deadLetter);
  }

  async redrive(queue: string, options: { readonly messageIds?: readonly string[]; readonly onProgress?: ProgressListener } = {}): Promise<RedriveOutcome> {
    const settings = this.options.app.queue(queue);
    const [source, target] = await Promise.all([this.url(settings.deadLetterQueueName), this.url(settings.queueName)]);
    if (!options.messageIds && (this.options.redriveMethod ?? 'move-task') === 'move-task') {
      const [sourceArn, targetArn] = await Promise.all([this.arn(source), this.arn(target)]);
      const output = await this.call('redrive', settings.deadLetterQueueName, () =>
        this.options.client.send(new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: targetArn })),
      );
      return { method: 'move-task', moved: 0, ...(output.TaskHandle ? { taskHandle: output.TaskHandle } : {}) };
    }
    const wanted = options.messageIds ? new Set(options.messageIds) : undefined;
    const total = wanted?.size ?? Number((await this.attributesOf(source)).ApproximateNumberOfMessages ?? 0);
    let moved = 0;
    const seen = new Set<string>();
    const skipped: Message[] = [];
    options.onProgress?.(0, total);
    for (;;) {
      if (wanted && moved >= wanted.size) break;
      const batch = await this.receive(source, 10, HOLD_SECONDS);
      const fresh = batch.filter((m) => !seen.has(m.MessageId!));
      if (fresh.length === 0) {
        await this.release(source, batch);
        break;
      }
      for (const message of fresh) {
        seen.add(message.MessageId!);
        if (wanted && !wanted.has(message.MessageId!)) {
          skipped.push(message);
          continue;
        }
        // Send first, delete after: a crash in between duplicates the message, never loses it.
        await this.call('redrive', settings.queueName, () =>
          this.options.client.send(new SendMessageCommand({ QueueUrl: target, MessageBody: message.Body ?? '' })),
        );
        await this.call('redrive', settings.deadLetterQueueName, () =>
          this.options.client.send(new DeleteMessageCommand({ QueueUrl: source, ReceiptHandle: message.ReceiptHandle! })),
        );
        moved += 1;
        options.onProgress?.(moved, total);
      }
    }
    // Skipped messages stayed hidden during the scan, so it saw each message once; show them again.
    await this.release(source, skipped);
    return { method: 'copy', moved };
  }

  async purge(queue: string, options: { readonly deadLetters?: boolean } = {}): Promise<void> {
    const settings = this.options.app.queue(queue);
    const name = options.deadLetters ? settings.deadLetterQueueName : settings.queueName;
    const url = await this.url(name);
    await this.call('purge', name, () => this.options.client.send(new PurgeQueueCommand({ QueueUrl: url })));
  }

  private async receiveAll(url: string, max: number): Promise<Message[]> {
    const byId = new Map<string, Message>();
    while (byId.size < max) {
      const batch = await this.receive(url, Math.min(10, max - byId.size), HOLD_SECONDS);
      const fresh = batch.filter((m) => !byId.has(m.MessageId!));
      if (fresh.length === 0) break;
      for (const m of fresh) byId.set(m.MessageId!, m);
    }
    return [...byId.values()];
  }

  private async receive(url: string, max: number, holdSeconds: number): Promise<Message[]> {
    const output = await this.call('receive', url, () =>
      this.options.client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: max,
          VisibilityTimeout: holdSeconds,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      ),
    );
    return output.Messages ?? [];
  }

  /** Makes held messages visible again at once. */
  private async release(url: string, messages: readonly Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      await this.call('release', url, () =>
        this.options.client.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: url,
            Entries: chunk.map((m, j) => ({ Id: `r${j}`, ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
          }),
        ),
      );
    }
  }

  private async attributes(queueName: string): Promise<Record<string, string>> {
    return this.attributesOf(await this.url(queueName));
  }

  private async attributesOf(url: string): Promise<Record<string, string>> {
    const output = await this.call('stats', url, () =>
      this.options.client.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
        }),
      ),
    );
    return output.Attributes ?? {};
  }

  private async arn(url: string): Promise<string> {
    const output = await this.options.client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    return output.Attributes!.QueueArn!;
  }

  private url(queueName: string): Promise<string> {
    let url = this.urls.get(queueName);
    if (!url) {
      url = this.call('look-up', queueName, () => this.options.client.send(new GetQueueUrlCommand({ QueueName: queueName }))).then((o) => o.QueueUrl!);
      url.catch(() => this.urls.delete(queueName));
      this.urls.set(queueName, url);
    }
    return url;
  }

  private async call<T>(operation: string, queue: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const name = (error as { name?: string }).name ?? 'Error';
      const hint = name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue' ? ' Deploy the stack (cdk deploy) or run `celeriac dev`.' : '';
      throw new QueueAdminError(`Queue ${operation} of ${queue} failed: ${name}: ${(error as Error).message}.${hint}`, { cause: error });
    }
  }
}

function deadLetter(message: Message): DeadLetterMessage {
  const attributes = message.MessageAttributes ?? {};
  const body = message.Body ?? '';
  let parsed: { id?: unknown; task?: unknown } = {};
  try {
    const value: unknown = JSON.parse(body);
    if (value && typeof value === 'object') parsed = value as typeof parsed;
  } catch {
    // not JSON: shown as is
  }
  const taskId = attributes[DEAD_LETTER_ATTRIBUTES.taskId]?.StringValue ?? (typeof parsed.id === 'string' ? parsed.id : undefined);
  const sent = Number(message.Attributes?.SentTimestamp);
  const reasonMessage = attributes[DEAD_LETTER_ATTRIBUTES.message]?.StringValue;
  return {
    messageId: message.MessageId!,
    body,
    ...(taskId ? { taskId } : {}),
    ...(typeof parsed.task === 'string' ? { task: parsed.task } : {}),
    reasonCode: attributes[DEAD_LETTER_ATTRIBUTES.code]?.StringValue ?? 'MAX_RECEIVE_COUNT',
    ...(reasonMessage ? { reasonMessage } : {}),
    ...(Number.isFinite(sent) && sent > 0 ? { sentAt: new Date(sent) } : {}),
  };
}
