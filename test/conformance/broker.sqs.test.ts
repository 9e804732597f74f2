import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsBroker, DEAD_LETTER_ATTRIBUTES } from '../../sdk/aws/sqs-broker.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { provisionThrowawayApp, type ThrowawayResources } from '../helpers/emulator-resources.js';
import { receiveMessages, stringAttributes } from '../helpers/sqs.js';
import { describeBrokerConformance, type ReadDeadLetter } from './broker.suite.js';

useEmulatorEnv();

describeBrokerConformance('SqsBroker (emulator)', async () => {
  const resources = await provisionThrowawayApp();
  const queue = resources.queues.get('default')!;
  return {
    broker: new SqsBroker({ client: resources.sqs }),
    queueName: queue.queueName,
    source: queue.arn,
    refusedCode: 'InvalidParameterValue',
    receive: async () =>
      (await receiveMessages(resources.sqs, queue.url)).map((m) => ({ messageId: m.MessageId!, receiptHandle: m.ReceiptHandle!, body: m.Body! })),
    deadLetters: async () =>
      (await receiveMessages(resources.sqs, queue.deadLetterUrl)).map((m): ReadDeadLetter => {
        const attributes = stringAttributes(m);
        const taskId = attributes[DEAD_LETTER_ATTRIBUTES.taskId];
        return {
          body: m.Body!,
          reason: {
            code: attributes[DEAD_LETTER_ATTRIBUTES.code] ?? '(missing)',
            message: attributes[DEAD_LETTER_ATTRIBUTES.message] ?? '(missing)',
            ...(taskId === undefined ? {} : { taskId }),
          },
        };
      }),
    dispose: () => resources.dispose(),
  };
});

describe('SqsBroker dead-letter attributes (emulator)', () => {
  let resources: ThrowawayResources;

  beforeAll(async () => {
    resources = await provisionThrowawayApp();
  });

  afterAll(async () => {
    await resources?.dispose();
  });

  it('names the source message and caps each attribute at 1024 characters', async () => {
    const queue = resources.queues.get('default')!;
    const broker = new SqsBroker({ client: resources.sqs });

    await broker.deadLetter(queue.arn, {
      body: 'x',
      messageId: 'source-42',
      reason: { code: 'TASK_FAILED', message: 'é'.repeat(3000) },
    });

    const [letter] = await receiveMessages(resources.sqs, queue.deadLetterUrl, { waitSeconds: 1 });
    const attributes = stringAttributes(letter!);
    expect(attributes[DEAD_LETTER_ATTRIBUTES.sourceMessageId]).toBe('source-42');
    expect(attributes[DEAD_LETTER_ATTRIBUTES.code]).toBe('TASK_FAILED');
    expect(attributes[DEAD_LETTER_ATTRIBUTES.message]).toBe('é'.repeat(1024));
    expect(attributes).not.toHaveProperty(DEAD_LETTER_ATTRIBUTES.taskId);
  });

  it('refuses to dead-letter from a queue that has no dead-letter queue', async () => {
    const broker = new SqsBroker({ client: resources.sqs });
    const queue = resources.queues.get('default')!;
    // The DLQ itself has no redrive policy.
    const dlqArn = queue.arn.replace(/-default$/, '-default-dlq');

    await expect(broker.deadLetter(dlqArn, { body: 'x', messageId: 'm', reason: { code: 'C', message: 'm' } })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('no dead-letter queue'),
    });
  });
});
