import { afterAll, beforeAll } from 'vitest';
import { DynamoDbCoordination } from '../../sdk/aws/dynamodb-coordination.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { provisionThrowawayApp, type ThrowawayResources } from '../helpers/emulator-resources.js';
import { describeCoordinationConformance } from './coordination.suite.js';

useEmulatorEnv();
let resources: ThrowawayResources;
let coordination: DynamoDbCoordination;

beforeAll(async () => {
  resources = await provisionThrowawayApp();
  coordination = new DynamoDbCoordination({ client: resources.dynamodb, tableName: resources.app.resultsTableName });
});
afterAll(async () => resources?.dispose());

describeCoordinationConformance('DynamoDbCoordination (emulator)', async () => coordination);
