import { afterAll, beforeAll } from 'vitest';
import { DynamoDbResultBackend } from '../../sdk/aws/dynamodb-result-backend.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { provisionThrowawayApp, type ThrowawayResources } from '../helpers/emulator-resources.js';
import { describeControlConformance } from './control.suite.js';

useEmulatorEnv();
let resources: ThrowawayResources;
let backend: DynamoDbResultBackend;

beforeAll(async () => {
  resources = await provisionThrowawayApp();
  backend = new DynamoDbResultBackend({ client: resources.dynamodb, tableName: resources.app.resultsTableName });
});
afterAll(async () => resources?.dispose());

describeControlConformance('DynamoDbResultBackend (emulator)', async () => backend);
