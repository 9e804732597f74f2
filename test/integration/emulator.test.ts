import { CreateQueueCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEmulator, startEmulator, type RunningEmulator } from '../../sdk/dev/emulator/index.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';

describe('the shared test endpoint', () => {
  let endpoint: string;
  let sqs: SQSClient;
  let dynamodb: DynamoDBClient;

  beforeAll(() => {
    endpoint = useEmulatorEnv();
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
    const created = await sqs.send(new CreateQueueCommand({ QueueName: `celeriac-emulator-test-${process.pid}` }));
    expect(created.QueueUrl).toContain('celeriac-emulator-test');
    const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'celeriac-emulator-test' }));
    expect(listed.QueueUrls).toContain(created.QueueUrl);
  });

  it('answers DynamoDB ListTables', async () => {
    const tables = await dynamodb.send(new ListTablesCommand({}));
    expect(Array.isArray(tables.TableNames)).toBe(true);
  });
});

describe('a private embedded emulator', () => {
  // Its own server: resetting the shared one would wipe other test files' queues mid-run.
  let emulator: RunningEmulator;
  let sqs: SQSClient;

  beforeAll(async () => {
    emulator = await startEmulator({ log: () => undefined });
    sqs = new SQSClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  });

  afterAll(async () => {
    sqs?.destroy();
    await emulator?.stop();
  });

  it('starts on a free loopback port', () => {
    expect(emulator.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emulator.endpoint).not.toBe(process.env.AWS_ENDPOINT_URL);
  });

  it('resetEmulator clears all queues', async () => {
    await sqs.send(new CreateQueueCommand({ QueueName: 'celeriac-emulator-reset' }));
    const before = await sqs.send(new ListQueuesCommand({}));
    expect(before.QueueUrls?.length ?? 0).toBeGreaterThan(0);

    await resetEmulator(emulator.endpoint);

    const after = await sqs.send(new ListQueuesCommand({}));
    expect(after.QueueUrls ?? []).toEqual([]);
  });
});
