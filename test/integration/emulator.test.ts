import { CreateQueueCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEmulator } from '../../sdk/emulator/index.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';

describe('local AWS emulator', () => {
  let endpoint: string;
  let sqs: SQSClient;
  let dynamodb: DynamoDBClient;

  beforeAll(async () => {
    endpoint = useEmulatorEnv();
    await resetEmulator(endpoint);
    // No explicit endpoint/credentials: the SDK must pick them up from the environment.
    sqs = new SQSClient({});
    dynamodb = new DynamoDBClient({});
  });

  afterAll(() => {
    sqs?.destroy();
    dynamodb?.destroy();
  });

  it('exposes the endpoint to the SDK through AWS_ENDPOINT_URL', () => {
    expect(endpoint).toMatch(/^https?:\/\/[^/]+$/);
    expect(process.env.AWS_ENDPOINT_URL).toBe(endpoint);
    expect(process.env.AWS_REGION).toBeTruthy();
  });

  it('answers SQS CreateQueue and ListQueues', async () => {
    const created = await sqs.send(new CreateQueueCommand({ QueueName: 'celeriac-emulator-test' }));
    expect(created.QueueUrl).toContain('celeriac-emulator-test');

    const listed = await sqs.send(new ListQueuesCommand({}));
    expect(listed.QueueUrls).toContain(created.QueueUrl);
  });

  it('answers DynamoDB ListTables', async () => {
    const tables = await dynamodb.send(new ListTablesCommand({}));
    expect(tables.TableNames ?? []).toEqual([]);
  });

  it('resetEmulator clears all queues', async () => {
    await sqs.send(new CreateQueueCommand({ QueueName: 'celeriac-emulator-reset' }));
    const before = await sqs.send(new ListQueuesCommand({}));
    expect(before.QueueUrls?.length ?? 0).toBeGreaterThan(0);

    await resetEmulator(endpoint);

    const after = await sqs.send(new ListQueuesCommand({}));
    expect(after.QueueUrls ?? []).toEqual([]);
  });
});
