import { afterAll, beforeAll } from 'vitest';
import { DynamoDbCoordination } from '../../sdk/aws/dynamodb-coordination.js';
import { DynamoDbResultBackend } from '../../sdk/aws/dynamodb-result-backend.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { isMotoEndpoint, provisionThrowawayApp, type ThrowawayResources } from '../helpers/emulator-resources.js';
import { describeCoordinationConformance } from './coordination.suite.js';
import { describeResultBackendConformance } from './result-backend.suite.js';

// The Celery-compatible layout (`celeryCompat`) keeps every promise of the port (custom states and
// revokes included); the coordination items beside Celery-layout records keep theirs.
const endpoint = useEmulatorEnv();
const onMoto = await isMotoEndpoint(endpoint);

let resources: ThrowawayResources;
let backend: DynamoDbResultBackend;
let coordination: DynamoDbCoordination;

beforeAll(async () => {
  resources = await provisionThrowawayApp();
  backend = new DynamoDbResultBackend({ client: resources.dynamodb, tableName: resources.app.resultsTableName, celeryCompat: true });
  coordination = new DynamoDbCoordination({ client: resources.dynamodb, tableName: resources.app.resultsTableName });
});

afterAll(async () => {
  await resources?.dispose();
});

describeResultBackendConformance(
  'DynamoDbResultBackend, Celery layout (emulator)',
  async () => backend,
  onMoto ? { nonAtomicStore: 'moto applies conditional writes to one item concurrently' } : {},
);
describeCoordinationConformance('DynamoDbCoordination beside Celery-layout records (emulator)', async () => coordination);
