import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { App } from '../core/app.js';
import type { Transport } from '../core/options.js';
import { DynamoDbResultBackend } from './dynamodb-result-backend.js';
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
   * Queue URLs by physical name.
   * @default - looked up with `GetQueueUrl`
   */
  readonly queueUrls?: Readonly<Record<string, string>>;
}

/**
 * The AWS transport of an app: SQS for messages, DynamoDB for results. Clients read region,
 * credentials and `AWS_ENDPOINT_URL` (LocalStack, the embedded emulator) from the environment.
 * @example
 * app.useTransport(awsTransport(app, { sqs: new SQSClient({ region: 'eu-west-1' }) }));
 */
export function awsTransport(app: Pick<App, 'resultsTableName'>, options: AwsTransportOptions = {}): Transport {
  const sqs = options.sqs ?? new SQSClient({});
  const dynamodb = options.dynamodb ?? new DynamoDBClient({});
  return {
    broker: new SqsBroker({ client: sqs, ...(options.queueUrls ? { queueUrls: options.queueUrls } : {}) }),
    backend: new DynamoDbResultBackend({ client: dynamodb, tableName: app.resultsTableName }),
  };
}
