import { createHash } from 'node:crypto';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttribute, SQSRecord } from 'aws-lambda';

/**
 * The record Lambda's SQS event source builds from a received message: system attributes, message
 * attributes in Lambda's own casing (`stringValue`, `stringListValues`…), MD5s, `eventSourceARN`.
 */
export function lambdaRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  const messageAttributes: Record<string, SQSMessageAttribute> = Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).map(([name, value]: [string, MessageAttributeValue]) => [
      name,
      {
        ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
        ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
        stringListValues: value.StringListValues ?? [],
        binaryListValues: (value.BinaryListValues ?? []).map((item) => Buffer.from(item).toString('base64')),
        dataType: value.DataType ?? 'String',
      } as SQSMessageAttribute,
    ]),
  );
  const region = queueArn.split(':')[3] ?? 'us-east-1';
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount!,
      SentTimestamp: attributes.SentTimestamp!,
      SenderId: attributes.SenderId!,
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp!,
      ...(attributes.AWSTraceHeader ? { AWSTraceHeader: attributes.AWSTraceHeader } : {}),
      ...(attributes.MessageGroupId
        ? { MessageGroupId: attributes.MessageGroupId, SequenceNumber: attributes.SequenceNumber, MessageDeduplicationId: attributes.MessageDeduplicationId }
        : {}),
    } as SQSRecord['attributes'],
    messageAttributes,
    md5OfBody:
      message.MD5OfBody ??
      createHash('md5')
        .update(message.Body ?? '')
        .digest('hex'),
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  } as SQSRecord;
}

/** One poll of {@link pollOnce}: the event passed, and what came back. */
export interface Poll {
  readonly event: SQSEvent;
  readonly response: SQSBatchResponse | undefined;
  readonly functionError: boolean;
  /** Message ids deleted from the queue after the invocation. */
  readonly deleted: readonly string[];
}

/**
 * What Lambda's SQS event source mapping (with `ReportBatchItemFailures`) does once: receive up to
 * `batchSize` messages, invoke the function with them, delete those not listed in `batchItemFailures`
 * (none when the invocation failed). Returns undefined when the queue had nothing.
 */
export async function pollOnce(
  sqs: SQSClient,
  queue: { readonly url: string; readonly arn: string },
  invoke: (event: SQSEvent) => Promise<{ payload: unknown; functionError: boolean }>,
  options: { readonly batchSize?: number; readonly waitSeconds?: number; readonly visibilitySeconds?: number } = {},
): Promise<Poll | undefined> {
  const received = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queue.url,
      MaxNumberOfMessages: Math.min(10, options.batchSize ?? 10),
      WaitTimeSeconds: options.waitSeconds ?? 1,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
      ...(options.visibilitySeconds === undefined ? {} : { VisibilityTimeout: options.visibilitySeconds }),
    }),
  );
  const messages = received.Messages ?? [];
  if (!messages.length) return undefined;
  const event: SQSEvent = { Records: messages.map((message) => lambdaRecord(message, queue.arn)) };
  const { payload, functionError } = await invoke(event);
  const response = functionError ? undefined : ((payload as SQSBatchResponse | null) ?? undefined);
  const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
  const done = functionError ? [] : messages.filter((message) => !failed.has(message.MessageId!));
  if (done.length) {
    await sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: queue.url, Entries: done.map((message, i) => ({ Id: `m${i}`, ReceiptHandle: message.ReceiptHandle! })) }),
    );
  }
  return { event, response, functionError, deleted: done.map((message) => message.MessageId!) };
}
