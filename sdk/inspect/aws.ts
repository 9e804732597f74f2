import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { App } from '../core/app.js';
import { DynamoDbTaskIndex } from '../aws/dynamodb-task-index.js';
import { SqsQueueAdmin } from '../aws/sqs-queue-admin.js';
import { Inspector, type LocalCounters } from './inspector.js';

/** Options of {@link createAwsInspector}. */
export interface AwsInspectorOptions {
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
   * How a full redrive moves messages: `move-task` (SQS `StartMessageMoveTask`, on AWS) or `copy`
   * (receive → send → delete, for emulators).
   * @default 'move-task'
   */
  readonly redriveMethod?: 'move-task' | 'copy';
  /**
   * Live counters of a local runtime.
   * @default - none
   */
  readonly localCounters?: LocalCounters;
}

/**
 * The inspector of an app on AWS (or an emulator): task records from DynamoDB, queues on SQS.
 * @example
 * const inspector = createAwsInspector(app, { redriveMethod: process.env.AWS_ENDPOINT_URL ? 'copy' : 'move-task' });
 */
export function createAwsInspector(app: App, options: AwsInspectorOptions = {}): Inspector {
  const sqs = options.sqs ?? new SQSClient({});
  const dynamodb = options.dynamodb ?? new DynamoDBClient({});
  return new Inspector({
    app,
    tasks: new DynamoDbTaskIndex({ client: dynamodb, tableName: app.resultsTableName }),
    queues: new SqsQueueAdmin({ app, client: sqs, ...(options.redriveMethod ? { redriveMethod: options.redriveMethod } : {}) }),
    ...(options.localCounters ? { localCounters: options.localCounters } : {}),
  });
}
