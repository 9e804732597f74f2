import { afterAll, beforeAll } from 'vitest';
import { DynamoDbResultBackend } from '../../sdk/aws/dynamodb-result-backend.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { isMotoEndpoint, provisionThrowawayApp, type ThrowawayResources } from '../helpers/emulator-resources.js';
import { describeControlConformance } from './control.suite.js';
import { describeResultBackendConformance } from './result-backend.suite.js';

// The Celery-compatible layout (`celeryCompat`) keeps every promise of the port.
const endpoint = useEmulatorEnv();
const onMoto = await isMotoEndpoint(endpoint);

let resources: ThrowawayResources;
let backend: DynamoDbResultBackend;

beforeAll(async () => {
  resources = await provisionThrowawayApp();
  backend = new DynamoDbResultBackend({ client: resources.dynamodb, tableName: resources.app.resultsTableName, celeryCompat: true });
});

afterAll(async () => {
  await resources?.dispose();
});

describeResultBackendConformance(
  'DynamoDbResultBackend, Celery layout (emulator)',
  async () => backend,
  onMoto ? { nonAtomicStore: 'moto applies conditional writes to one item concurrently' } : {},
);
describeControlConformance('DynamoDbResultBackend, Celery layout (emulator)', async () => backend);
