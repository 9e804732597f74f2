import { afterAll, beforeAll, vi } from 'vitest';
import { createApp } from '../../sdk/index.js';
import { describeTaskBehaviours, defineBehaviourTasks, RunCounter, type BehaviourEnvironment } from '../behaviour/task-behaviours.suite.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { isMotoEndpoint } from '../helpers/emulator-resources.js';
import { createHarness, eventually, uniqueAppName, type Harness } from '../helpers/worker-harness.js';

const endpoint = useEmulatorEnv();
const onMoto = await isMotoEndpoint(endpoint);
// Generous: the emulator slows down a lot when the machine is busy; waits are event-driven.
vi.setConfig({ testTimeout: 180_000 });

const app = createApp({ name: uniqueAppName('canvas'), worker: { timeoutSeconds: 2 } });
const runs = new RunCounter();
const tasks = defineBehaviourTasks(app, runs);
let h: Harness;

beforeAll(async () => {
  h = await createHarness(app);
  // Four pollers: moto's SQS then hands out duplicates now and then, which the suite must absorb.
  h.startWorker({ concurrency: 4 });
});
afterAll(async () => h?.dispose());

const environment: BehaviourEnvironment = {
  app,
  tasks,
  runs,
  atomicClaims: !onMoto,
  wait: { timeoutMs: 90_000, intervalMs: 100 },
  async until(check, what) {
    await eventually(async () => ((await check()) ? true : undefined), 90_000, what);
  },
};

describeTaskBehaviours('SQS and DynamoDB on the emulator, local runtime', () => environment);
