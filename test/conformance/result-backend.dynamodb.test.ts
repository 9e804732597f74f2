import { afterAll, beforeAll } from 'vitest';
import { DynamoDbResultBackend } from '../../sdk/aws/dynamodb-result-backend.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { isMotoEndpoint, provisionThrowawayApp, type ThrowawayResources } from '../helpers/emulator-resources.js';
import { describeResultBackendConformance } from './result-backend.suite.js';

const endpoint = useEmulatorEnv();
// moto evaluates a condition and writes without a per-item lock (its threaded server races: about one
// run in three grants two of five concurrent claims), so the atomicity test only runs elsewhere.
const onMoto = await isMotoEndpoint(endpoint);

let resources: ThrowawayResources;
let backend: DynamoDbResultBackend;

beforeAll(async () => {
  resources = await provisionThrowawayApp();
  backend = new DynamoDbResultBackend({ client: resources.dynamodb, tableName: resources.app.resultsTableName });
});

afterAll(async () => {
  await resources?.dispose();
});

describeResultBackendConformance(
  'DynamoDbResultBackend (emulator)',
  async () => backend,
  onMoto ? { nonAtomicStore: 'moto applies conditional writes to one item concurrently' } : {},
);
