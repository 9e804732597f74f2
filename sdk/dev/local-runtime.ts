import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { App } from '../core/app.js';
import type { ProvisionedQueue } from './provision.js';
import { parseQueueArn } from '../aws/sqs-broker.js';

/** A worker handler, as Lambda calls it. */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** Options of {@link LocalRuntime}. */
export interface LocalRuntimeOptions {
  readonly app: App;
  readonly sqs: SQSClient;
  /** The worker handler: the very one deployed to Lambda. */
  readonly handler: SqsHandler;
  /** The queues to poll, as provisioned. */
  readonly queues: readonly ProvisionedQueue[];
  /**
   * Concurrent invocations per queue (pollers), capped by the queue's `maxConcurrency`.
   * @default 2
   */
  readonly concurrency?: number;
  /**
   * Long-poll wait of each `ReceiveMessage`, in seconds.
   * @default 1
   */
  readonly waitTimeSeconds?: number;
  /**
   * Receives a line on internal errors (an unreachable endpoint…).
   * @default console.error
   */
  readonly log?: (line: string) => void;
}

/** Counters of a {@link LocalRuntime}, by queue. */
export interface LocalRuntimeStats {
  invocations: number;
  messages: number;
  requeued: number;
  errors: number;
}

/**
 * What Lambda's SQS event source does, for emulators that cannot invoke Lambda: long-polls each
 * queue and calls the worker handler with SQS-shaped batches (batch size, the function timeout as
 * the remaining time), deletes what the handler did not report in `batchItemFailures`, and leaves the
 * rest to come back after its visibility timeout, until the queue's `maxReceiveCount` moves it to the DLQ.
 */
export class LocalRuntime {
  /** Counters by logical queue name. */
  readonly stats = new Map<string, LocalRuntimeStats>();
  private readonly controller = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(private readonly options: LocalRuntimeOptions) {}

  /** Starts polling. Returns at once. */
  start(): void {
    const concurrency = this.options.concurrency ?? 2;
    for (const queue of this.options.queues) {
      const settings = this.options.app.queue(queue.name);
      const pollers = Math.max(1, Math.min(concurrency, settings.maxConcurrency ?? concurrency));
      this.stats.set(queue.name, { invocations: 0, messages: 0, requeued: 0, errors: 0 });
      for (let i = 0; i < pollers; i++) this.loops.push(this.poll(queue));
    }
  }

  /**
   * Stops polling and waits for the invocations in progress to finish, and for the long polls in
   * progress to end (at most `waitTimeSeconds`): a long poll cut short on the client may still take
   * a message on the server, which would then stay hidden for its visibility timeout. Messages a
   * poll brings after the stop are put back at once (visibility 0), not run.
   */
  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.allSettled(this.loops);
    this.loops = [];
  }

  private async poll(queue: ProvisionedQueue): Promise<void> {
    const { sqs, app, handler } = this.options;
    const settings = app.queue(queue.name);
    const stats = this.stats.get(queue.name)!;
    const signal = this.controller.signal;
    const log = this.options.log ?? ((line: string) => console.error(line));
    while (!signal.aborted) {
      try {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queue.url,
            MaxNumberOfMessages: Math.min(10, settings.batchSize),
            WaitTimeSeconds: this.options.waitTimeSeconds ?? 1,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        const messages = received.Messages ?? [];
        if (messages.length === 0) continue;
        if (signal.aborted) {
          await sqs.send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: queue.url,
              Entries: messages.map((m, i) => ({ Id: `r${i}`, ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
            }),
          );
          return;
        }
        stats.invocations += 1;
        stats.messages += messages.length;
        const response = await handler({ Records: messages.map((m) => toRecord(m, queue.arn)) }, lambdaContext(app));
        const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        stats.requeued += failed.size;
        const done = messages.filter((m) => !failed.has(m.MessageId!));
        if (done.length) {
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queue.url,
              Entries: done.map((m, i) => ({ Id: `d${i}`, ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
        }
      } catch (error) {
        if (signal.aborted) return;
        stats.errors += 1;
        log(`celeriac dev: polling ${queue.queueName} failed: ${(error as Error).name}: ${(error as Error).message}; retrying in 1 s`);
        // Cut short by stop().
        await sleep(1000, undefined, { signal }).catch(() => undefined);
      }
    }
  }
}

/** Turns a received SQS message into the record Lambda would pass. */
export function toRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([key, value]) => [
        key,
        { dataType: value.DataType ?? 'String', ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}) },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: parseQueueArn(queueArn).region ?? 'us-east-1',
  };
}

function lambdaContext(app: App): Context {
  const deadline = Date.now() + app.worker.timeoutSeconds * 1000;
  const name = `${app.name}-worker`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
    memoryLimitInMB: String(app.worker.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
