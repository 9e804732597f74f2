import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { App } from '../core/app.js';
import { parseWorkerFunctions } from '../core/contract/worker-functions.js';
import type { QueueAdmin, TaskIndex, WorkerMetrics } from '../core/ports/inspection.js';
import { scheduleGroupOf } from '../core/schedule/definition.js';
import { CloudWatchWorkerMetrics } from './cloudwatch-worker-metrics.js';
import { DynamoDbTaskIndex } from './dynamodb-task-index.js';
import { SqsQueueAdmin } from './sqs-queue-admin.js';

/** Options of {@link awsInspectionPorts}. */
export interface AwsInspectionOptions {
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

/** The inspection ports of an app on AWS: what an `Inspector` reads and administers. */
export interface AwsInspectionPorts {
  /** The task listing, from the listing table and the records. */
  readonly tasks: TaskIndex;
  /** Queue counts, dead letters, purge and redrive, on SQS. */
  readonly queues: QueueAdmin;
  /** The worker functions' metrics, when `workerFunctions` names them. */
  readonly workerMetrics?: WorkerMetrics;
  /** Which function works each queue. */
  readonly workerFunctions?: ReadonlyMap<string, string>;
}

/**
 * The adapters of the inspection ports on AWS (or an emulator): task records from DynamoDB, queues
 * on SQS, and the worker functions' metrics from CloudWatch when `workerFunctions` names them.
 * `createAwsInspector` (in `celeriac/inspect`) builds an `Inspector` over them.
 * @throws {OptionsError} when `workerFunctions` names a queue the app does not declare.
 * @example
 * const inspector = new Inspector({ app, ...awsInspectionPorts(app, { redriveMethod: 'copy' }) });
 */
export function awsInspectionPorts(app: App, options: AwsInspectionOptions = {}): AwsInspectionPorts {
  const sqs = options.sqs ?? new SQSClient({});
  const dynamodb = options.dynamodb ?? new DynamoDBClient({});
  const workerFunctions =
    typeof options.workerFunctions === 'string' ? parseWorkerFunctions(options.workerFunctions, [...app.queues.keys()]) : options.workerFunctions;
  const cloudwatch = workerFunctions?.size ? (options.cloudwatch ?? new CloudWatchClient({})) : undefined;
  return {
    tasks: new DynamoDbTaskIndex({
      client: dynamodb,
      tableName: app.resultsTableName,
      listingTableName: app.listingTableName,
      celeryCompat: app.celeryCompat,
      scheduleRunPrefix: `${scheduleGroupOf(app.name)}.`,
    }),
    queues: new SqsQueueAdmin({ app, client: sqs, ...(options.redriveMethod ? { redriveMethod: options.redriveMethod } : {}) }),
    ...(workerFunctions && cloudwatch ? { workerFunctions, workerMetrics: new CloudWatchWorkerMetrics({ client: cloudwatch }) } : {}),
  };
}
