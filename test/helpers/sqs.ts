import { ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';

/** Options of {@link receiveMessages}. */
export interface ReceiveOptions {
  /**
   * Long-poll wait, in seconds (0 returns at once).
   * @default 0
   */
  readonly waitSeconds?: number;
  /**
   * Most messages to return (1–10).
   * @default 10
   */
  readonly max?: number;
  /**
   * Visibility timeout for the received messages, in seconds.
   * @default - the queue's
   */
  readonly visibilitySeconds?: number;
}

/**
 * Receives messages with the raw SQS client, with every message attribute and system attribute, for
 * tests that read what an adapter wrote.
 */
export async function receiveMessages(sqs: SQSClient, queueUrl: string, options: ReceiveOptions = {}): Promise<Message[]> {
  const output = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: options.max ?? 10,
      WaitTimeSeconds: options.waitSeconds ?? 0,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
      ...(options.visibilitySeconds === undefined ? {} : { VisibilityTimeout: options.visibilitySeconds }),
    }),
  );
  return output.Messages ?? [];
}

/** The string message attributes of a received message, as a plain object. */
export function stringAttributes(message: Message): Record<string, string> {
  return Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).flatMap(([name, value]) => (value.StringValue === undefined ? [] : [[name, value.StringValue]])),
  );
}
