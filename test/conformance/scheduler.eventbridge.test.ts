import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll } from 'vitest';
import { EventBridgeScheduler } from '../../sdk/aws/eventbridge-scheduler.js';
import { SqsBroker } from '../../sdk/aws/sqs-broker.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { provisionThrowawayApp, type ThrowawayResources } from '../helpers/emulator-resources.js';
import { describeSchedulerConformance, type SchedulerFixture } from './scheduler.suite.js';

useEmulatorEnv();

let resources: ThrowawayResources;
let fixture: SchedulerFixture;
const client = new SchedulerClient({});

beforeAll(async () => {
  resources = await provisionThrowawayApp();
  const broker = new SqsBroker({ client: resources.sqs });
  fixture = {
    scheduler: new EventBridgeScheduler({ client, appName: resources.app.name, queueArn: (name) => broker.queueArn(name) }),
    queueName: resources.app.queue('default').queueName,
  };
});

afterAll(async () => {
  client.destroy();
  await resources?.dispose();
});

describeSchedulerConformance('EventBridgeScheduler (emulator)', async () => fixture);
