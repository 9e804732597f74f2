import { SCHEDULER_ROLE_ARN_ENV } from '../core/contract/names.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { App } from '../core/app.js';
import type { Transport } from '../core/options.js';
import { DynamoDbCoordination } from './dynamodb-coordination.js';
import { DynamoDbResultBackend } from './dynamodb-result-backend.js';
import { EventBridgeScheduler } from './eventbridge-scheduler.js';
import { SqsBroker } from './sqs-broker.js';

/** Options of {@link awsTransport}. */
export interface AwsTransportOptions {
  /**
   * SQS client.
   * @default - a client from the environment (region, credentials, `AWS_ENDPOINT_URL`)
   */
  readonly sqs?: SQSClient;
  /**
   * DynamoDB client.
   * @default - a client from the environment
   */
  readonly dynamodb?: DynamoDBClient;
  /**
   * EventBridge Scheduler client.
   * @default - a client from the environment, created (and its module loaded) on first use
   */
  readonly scheduler?: SchedulerClient;
  /**
   * Role EventBridge Scheduler assumes to send to the app's queues.
   * @default - `CELERIAC_SCHEDULER_ROLE_ARN` (set by the CDK construct on its functions), else the role the construct names `<app>-sched-<region>`
   */
  readonly schedulerRoleArn?: string;
  /**
   * Queue URLs by physical name.
   * @default - looked up with `GetQueueUrl`
   */
  readonly queueUrls?: Readonly<Record<string, string>>;
  /**
   * How long a finished task's record waits at most for the others of its worker batch to share one
   * `BatchWriteItem`; `0` writes each record with its own `PutItem` (see
   * `DynamoDbResultBackendOptions.batchWriteLingerMs`).
   * @default 10
   */
  readonly batchWriteLingerMs?: number;
}

/**
 * The AWS transport of an app: SQS for messages, DynamoDB for results, EventBridge Scheduler for
 * schedules and long countdowns. Task records and the coordination items (chords, rate limits,
 * idempotency keys) share the results table; task listings have their own table. Clients read region,
 * credentials and `AWS_ENDPOINT_URL` (LocalStack, the embedded emulator) from the environment.
 * @example
 * app.useTransport(awsTransport(app, { sqs: new SQSClient({ region: 'eu-west-1' }) }));
 */
export function awsTransport(
  app: Pick<App, 'resultsTableName' | 'name'> & Partial<Pick<App, 'celeryCompat' | 'listingTableName'>>,
  options: AwsTransportOptions = {},
): Transport {
  const sqs = options.sqs ?? new SQSClient({});
  const dynamodb = options.dynamodb ?? new DynamoDBClient({});
  const broker = new SqsBroker({ client: sqs, ...(options.queueUrls ? { queueUrls: options.queueUrls } : {}) });
  const roleArn = options.schedulerRoleArn ?? process.env[SCHEDULER_ROLE_ARN_ENV];
  return {
    broker,
    backend: new DynamoDbResultBackend({
      client: dynamodb,
      tableName: app.resultsTableName,
      celeryCompat: app.celeryCompat ?? false,
      ...(app.listingTableName ? { listingTableName: app.listingTableName } : {}),
      ...(options.batchWriteLingerMs !== undefined ? { batchWriteLingerMs: options.batchWriteLingerMs } : {}),
    }),
    coordination: new DynamoDbCoordination({ client: dynamodb, tableName: app.resultsTableName }),
    scheduler: new EventBridgeScheduler({
      ...(options.scheduler ? { client: options.scheduler } : {}),
      appName: app.name,
      queueArn: (name) => broker.queueArn(name),
      ...(roleArn ? { roleArn } : {}),
    }),
  };
}
