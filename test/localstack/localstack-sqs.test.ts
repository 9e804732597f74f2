import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SendMessageBatchCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { LOCALSTACK_DIFFERENCES } from '../../vitest.localstack.config.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAwsInspector } from '../../sdk/aws-inspector.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { isMotoEndpoint, provisionThrowawayApp, type ThrowawayResources } from '../helpers/emulator-resources.js';
import { receiveMessages } from '../helpers/sqs.js';

// Runs in `npm run test:localstack` only: SQS on LocalStack, DynamoDB on moto.
describe('SQS on LocalStack, DynamoDB on moto', () => {
  let res: ThrowawayResources;
  const sqsEndpoint = inject('sqsEndpoint');

  beforeAll(async () => {
    useEmulatorEnv();
    res = await provisionThrowawayApp({ default: { maxReceiveCount: 3 } });
  }, 60_000);
  afterAll(() => res?.dispose());

  it('sends SQS calls to LocalStack (AWS_ENDPOINT_URL_SQS) and table calls to moto (AWS_ENDPOINT_URL)', async () => {
    expect(process.env.AWS_ENDPOINT_URL_SQS).toBe(sqsEndpoint);
    expect(await isMotoEndpoint(sqsEndpoint)).toBe(false);
    const health = (await (await fetch(`${sqsEndpoint}/_localstack/health`)).json()) as { services: Record<string, string> };
    expect(health.services.sqs).toMatch(/available|running/);
    const queue = res.queues.get('default')!;
    expect(queue.url.startsWith(`${sqsEndpoint}/`)).toBe(true);
    expect(queue.arn).toMatch(/^arn:aws:sqs:us-east-1:000000000000:/);
    const { Table } = await res.dynamodb.send(new DescribeTableCommand({ TableName: res.app.resultsTableName }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(await isMotoEndpoint(inject('awsEndpoint'))).toBe(true);
  });

  it("redrives a dead-letter queue through StartMessageMoveTask (the inspector's 'move-task' method)", { timeout: 60_000 }, async () => {
    const queue = res.queues.get('default')!;
    const bodies = ['one', 'two', 'three'].map((word) => JSON.stringify({ dead: word }));
    await res.sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.deadLetterUrl, Entries: bodies.map((MessageBody, i) => ({ Id: `m${i}`, MessageBody })) }));
    const inspector = createAwsInspector(res.app, { sqs: res.sqs, dynamodb: res.dynamodb, redriveMethod: 'move-task' });
    const outcome = await inspector.redrive('default');
    expect(outcome).toMatchObject({ method: 'move-task' });
    expect(outcome.taskHandle).toBeTypeOf('string');
    const moved: string[] = [];
    const deadline = Date.now() + 30_000;
    while (moved.length < bodies.length && Date.now() < deadline) {
      moved.push(...(await receiveMessages(res.sqs, queue.url, { waitSeconds: 1 })).map((message) => message.Body!));
    }
    expect(moved.sort()).toEqual([...bodies].sort());
    const dlq = await res.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queue.deadLetterUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(Number(dlq.Attributes!.ApproximateNumberOfMessages) + Number(dlq.Attributes!.ApproximateNumberOfMessagesNotVisible)).toBe(0);
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives (the redrive policy)', { timeout: 30_000 }, async () => {
    const queue = res.queues.get('default')!;
    await res.sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: [{ Id: 'p', MessageBody: 'poison' }] }));
    for (let receive = 0; receive < 3; receive++) {
      const [message] = await receiveMessages(res.sqs, queue.url, { waitSeconds: 2, visibilitySeconds: 0 });
      expect(message?.Body).toBe('poison');
    }
    // The fourth receive finds it over maxReceiveCount and moves it.
    expect(await receiveMessages(res.sqs, queue.url, { waitSeconds: 1 })).toEqual([]);
    const dead = await receiveMessages(res.sqs, queue.deadLetterUrl, { waitSeconds: 2 });
    expect(dead.map((message) => message.Body)).toEqual(['poison']);
  });
});

// The differences the LocalStack run skips in the shared suites (vitest.localstack.config.ts), pinned.
describe('where LocalStack 2026.3 SQS answers otherwise', () => {
  let res: ThrowawayResources;
  beforeAll(async () => {
    useEmulatorEnv();
    res = await provisionThrowawayApp();
  }, 60_000);
  afterAll(() => res?.dispose());

  it('has a reason for each skipped test', () => {
    expect(Object.keys(LOCALSTACK_DIFFERENCES)).toHaveLength(2);
    for (const reason of Object.values(LOCALSTACK_DIFFERENCES)) expect(reason.length).toBeGreaterThan(20);
  });

  it('accepts a batch entry with DelaySeconds 901', async () => {
    const output = await res.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: res.queues.get('default')!.url, Entries: [{ Id: 'late', MessageBody: 'x', DelaySeconds: 901 }] }),
    );
    expect(output.Failed ?? []).toEqual([]);
    expect(output.Successful).toHaveLength(1);
  });

  it("refuses a batch entry over MaximumMessageSize with the code 'InvalidParameterValueException'", async () => {
    const url = res.queues.get('default')!.url;
    await res.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { MaximumMessageSize: '1024' } }));
    const output = await res.sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'big', MessageBody: 'y'.repeat(2_000) }] }));
    expect(output.Failed?.map((failed) => failed.Code)).toEqual(['InvalidParameterValueException']);
  });
});
