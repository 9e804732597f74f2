import { randomBytes } from 'node:crypto';
import { BatchWriteItemCommand, CreateTableCommand, DeleteTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, DeleteQueueCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRequests } from '../../bench/lib/count-requests.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';

describe('bench request counter (on the emulator)', () => {
  const name = `bench-count-${randomBytes(4).toString('hex')}`;
  let sqs: SQSClient;
  let dynamodb: DynamoDBClient;
  let queueUrl: string;

  beforeAll(async () => {
    useEmulatorEnv();
    sqs = new SQSClient({});
    dynamodb = new DynamoDBClient({});
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
    await dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  });

  afterAll(async () => {
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
    await dynamodb.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
  });

  it('counts SQS requests by operation and bills each started 64 KB of payload', async () => {
    const counter = countRequests(sqs);

    await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x'.repeat(100) })) }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'y'.repeat(100 * 1024) }));

    expect(Object.fromEntries(counter.requests)).toEqual({ SendMessageBatch: 1, SendMessage: 1 });
    expect(Object.fromEntries(counter.billedChunks)).toEqual({ SendMessageBatch: 1, SendMessage: 2 });
  });

  it('counts DynamoDB writes and notes whether the endpoint reported their capacity', async () => {
    const counter = countRequests(dynamodb);

    await dynamodb.send(new PutItemCommand({ TableName: name, Item: { id: { S: 'a' } } }));
    await dynamodb.send(new PutItemCommand({ TableName: name, Item: { id: { S: 'b' } } }));

    expect(counter.count('PutItem')).toBe(2);
    expect(counter.reportedWriteUnits > 0 || counter.unreportedWrites === 2).toBe(true);
  });

  it('counts each item of a BatchWriteItem as a write of its kind, the request once', async () => {
    const counter = countRequests(dynamodb);
    const put = (id: string) => ({ PutRequest: { Item: { id: { S: id } } } });
    await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [name]: [put('t1'), put('t2'), put('t3'), put('chord#g1')] } }));

    expect(counter.count('BatchWriteItem')).toBe(1);
    expect(Object.fromEntries(counter.writesByItemKind)).toEqual({ task: 3, chord: 1 });
  });
});
