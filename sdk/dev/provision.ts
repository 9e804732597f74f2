import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { App } from '../core/app.js';
import { DEFAULT_DLQ_RETENTION_SECONDS } from '../core/defaults.js';
import { TASK_LISTING_SHARD_ATTRIBUTE, TASK_LISTING_SORT_ATTRIBUTE, TASK_LISTING_TTL_ATTRIBUTE } from '../core/contract/task-listing.js';
import type { Scheduler, StoredSchedule } from '../core/ports/scheduler.js';
import { schedulerDeadLetterQueueName } from '../aws/eventbridge-scheduler.js';

/**
 * SQS and DynamoDB clients for the local runtime, reading the endpoint, region and credentials from the
 * environment (`applyLocalAwsEnv` sets them).
 * @example
 * const { sqs, dynamodb } = localClients();
 * const queues = await provisionLocalResources(app, { sqs, dynamodb });
 */
export function localClients(): { readonly sqs: SQSClient; readonly dynamodb: DynamoDBClient } {
  return { sqs: new SQSClient({}), dynamodb: new DynamoDBClient({}) };
}

/** A queue as created by {@link provisionLocalResources}. */
export interface ProvisionedQueue {
  readonly name: string;
  readonly queueName: string;
  readonly url: string;
  readonly arn: string;
  readonly deadLetterUrl: string;
}

/**
 * Creates the app's queues, dead-letter queues and results table on the current endpoint, as the CDK
 * stack does on AWS. Idempotent. For local development and tests (LocalStack, the embedded
 * emulator); on AWS, deploy the stack instead.
 * @example
 * const queues = await provisionLocalResources(app, { sqs, dynamodb });
 */
export async function provisionLocalResources(app: App, clients: { readonly sqs: SQSClient; readonly dynamodb: DynamoDBClient }): Promise<ProvisionedQueue[]> {
  const { sqs, dynamodb } = clients;
  const queues = await Promise.all(
    [...app.queues.values()].map(async (queue) => {
      const dlq = await sqs.send(
        new CreateQueueCommand({
          QueueName: queue.deadLetterQueueName,
          Attributes: { MessageRetentionPeriod: String(DEFAULT_DLQ_RETENTION_SECONDS), SqsManagedSseEnabled: 'true' },
        }),
      );
      const dlqArn = await queueArn(sqs, dlq.QueueUrl!);
      const created = await sqs.send(
        new CreateQueueCommand({
          QueueName: queue.queueName,
          Attributes: {
            VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
            SqsManagedSseEnabled: 'true',
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: queue.maxReceiveCount }),
          },
        }),
      );
      return {
        name: queue.name,
        queueName: queue.queueName,
        url: created.QueueUrl!,
        arn: await queueArn(sqs, created.QueueUrl!),
        deadLetterUrl: dlq.QueueUrl!,
      };
    }),
  );
  await Promise.all([
    ensureTable(dynamodb, {
      TableName: app.resultsTableName,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
    ensureTable(
      dynamodb,
      {
        TableName: app.listingTableName,
        AttributeDefinitions: [
          { AttributeName: TASK_LISTING_SHARD_ATTRIBUTE, AttributeType: 'S' },
          { AttributeName: TASK_LISTING_SORT_ATTRIBUTE, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: TASK_LISTING_SHARD_ATTRIBUTE, KeyType: 'HASH' },
          { AttributeName: TASK_LISTING_SORT_ATTRIBUTE, KeyType: 'RANGE' },
        ],
      },
      TASK_LISTING_TTL_ATTRIBUTE,
    ),
  ]);
  return queues;
}

/**
 * Creates the app's schedules declared in code on the current endpoint's Scheduler API, or brings
 * them back to what the code says, as a deploy does; schedules created at run time are left alone.
 * Also creates the queue that keeps deliveries Scheduler could not make.
 * @example
 * await provisionLocalSchedules(app, { sqs, scheduler: app.scheduler() });
 */
export async function provisionLocalSchedules(app: App, clients: { readonly sqs: SQSClient; readonly scheduler: Scheduler }): Promise<StoredSchedule[]> {
  await clients.sqs.send(
    new CreateQueueCommand({
      QueueName: schedulerDeadLetterQueueName(app.name),
      Attributes: { MessageRetentionPeriod: String(DEFAULT_DLQ_RETENTION_SECONDS), SqsManagedSseEnabled: 'true' },
    }),
  );
  const declared = await app.declaredSchedules();
  return Promise.all(
    declared.map(async ({ spec }) => ((await clients.scheduler.get(spec.group, spec.name)) ? clients.scheduler.update(spec) : clients.scheduler.create(spec))),
  );
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return out.Attributes!.QueueArn!;
}

/** Creates a table (on demand) unless it exists, and turns its TTL on. */
async function ensureTable(
  dynamodb: DynamoDBClient,
  schema: Pick<CreateTableCommandInput, 'TableName' | 'AttributeDefinitions' | 'KeySchema'> & { TableName: string },
  ttlAttribute = 'expiresAt',
): Promise<void> {
  const tableName = schema.TableName;
  try {
    await dynamodb.send(new CreateTableCommand({ ...schema, BillingMode: 'PAY_PER_REQUEST' }));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 60, minDelay: 1 }, { TableName: tableName });
  const described = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
  if (described.Table?.TableStatus === 'ACTIVE') {
    await dynamodb
      .send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true } }))
      .catch((error: unknown) => {
        // Already enabled: some endpoints refuse a second identical update.
        if ((error as { name?: string }).name !== 'ValidationException') throw error;
      });
  }
}
