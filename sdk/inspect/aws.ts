import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { App } from '../core/app.js';
import { scheduleGroupOf } from '../core/schedule/definition.js';
import { CloudWatchWorkerMetrics } from '../aws/cloudwatch-worker-metrics.js';
import { DynamoDbTaskIndex } from '../aws/dynamodb-task-index.js';
import { SqsQueueAdmin } from '../aws/sqs-queue-admin.js';
import { Inspector, type LocalCounters } from './inspector.js';
import { parseWorkerFunctions } from './worker-functions.js';

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
  /**
   * The Lambda function that works each queue, so worker activity is read from its CloudWatch
   * metrics: a function name for every queue, `queue=function` pairs (see `parseWorkerFunctions`),
   * or a map by queue. The construct gives the deployed dashboard `CELERIAC_WORKER_FUNCTIONS`.
   * @default - none: worker activity comes from the task records
   */
  readonly workerFunctions?: string | ReadonlyMap<string, string>;
  /**
   * CloudWatch client, for the worker functions' metrics.
   * @default - a client from the environment, when `workerFunctions` names a function
   */
  readonly cloudwatch?: CloudWatchClient;
}

/**
 * The inspector of an app on AWS (or an emulator): task records from DynamoDB, queues on SQS, and
 * the worker functions' metrics from CloudWatch when `workerFunctions` names them.
 * @throws {OptionsError} when `workerFunctions` names a queue the app does not declare.
 * @example
 * const inspector = createAwsInspector(app, {
 *   redriveMethod: process.env.AWS_ENDPOINT_URL ? 'copy' : 'move-task',
 *   workerFunctions: process.env.CELERIAC_WORKER_FUNCTIONS,
 * });
 */
export function createAwsInspector(app: App, options: AwsInspectorOptions = {}): Inspector {
  const sqs = options.sqs ?? new SQSClient({});
  const dynamodb = options.dynamodb ?? new DynamoDBClient({});
  const workerFunctions =
    typeof options.workerFunctions === 'string' ? parseWorkerFunctions(options.workerFunctions, [...app.queues.keys()]) : options.workerFunctions;
  const cloudwatch = workerFunctions?.size ? (options.cloudwatch ?? new CloudWatchClient({})) : undefined;
  return new Inspector({
    app,
    tasks: new DynamoDbTaskIndex({ client: dynamodb, tableName: app.resultsTableName, scheduleRunPrefix: `${scheduleGroupOf(app.name)}.` }),
    queues: new SqsQueueAdmin({ app, client: sqs, ...(options.redriveMethod ? { redriveMethod: options.redriveMethod } : {}) }),
    ...(options.localCounters ? { localCounters: options.localCounters } : {}),
    ...(workerFunctions && cloudwatch ? { workerFunctions, workerMetrics: new CloudWatchWorkerMetrics({ client: cloudwatch }) } : {}),
  });
}
