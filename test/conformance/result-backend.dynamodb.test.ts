import { afterAll, beforeAll } from 'vitest';
import { DynamoDbResultBackend } from '../../sdk/aws/dynamodb-result-backend.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { provisionThrowawayApp, type ThrowawayResources } from '../helpers/emulator-resources.js';
import { describeResultBackendConformance } from './result-backend.suite.js';

useEmulatorEnv();

let resources: ThrowawayResources;
let backend: DynamoDbResultBackend;

beforeAll(async () => {
  resources = await provisionThrowawayApp();
  backend = new DynamoDbResultBackend({ client: resources.dynamodb, tableName: resources.app.resultsTableName });
});

afterAll(async () => {
  await resources?.dispose();
});

describeResultBackendConformance('DynamoDbResultBackend (emulator)', async () => backend, {
  // BUG: a STARTED item without leaseUntil is answered `running` (see the test's comment in the suite).
  knownBugs: ['claims-started-record-without-lease'],
});
