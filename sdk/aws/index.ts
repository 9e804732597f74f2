/**
 * `celeriac/aws`: the AWS adapters of the ports (SQS broker, DynamoDB result backend, coordination store, the task listing, EventBridge Scheduler, CloudWatch worker metrics) and the transport `createApp` uses.
 * @module celeriac/aws
 */
export { DynamoDbCoordination, type DynamoDbCoordinationOptions } from './dynamodb-coordination.js';
export { DynamoDbResultBackend, type DynamoDbResultBackendOptions } from './dynamodb-result-backend.js';
export { decodeResultItem, encodeResultItem, RESULT_ITEM_VERSION } from './result-item.js';
export { DEAD_LETTER_ATTRIBUTES, parseQueueArn, SqsBroker, type SqsBrokerOptions } from './sqs-broker.js';
export { awsTransport, type AwsTransportOptions } from './transport.js';
export { CloudWatchWorkerMetrics, type CloudWatchWorkerMetricsOptions } from './cloudwatch-worker-metrics.js';
export { secretsManagerPassword } from './secrets-manager-password.js';
export { awsInspectionPorts, type AwsInspectionOptions, type AwsInspectionPorts } from './inspection.js';
