import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe('EventBridgeScheduler on an endpoint shared by several processes', () => {
  it('keeps the schedules of an existing group when another process creates in it (moto empties a group created twice)', async () => {
    const broker = new SqsBroker({ client: resources.sqs });
    const make = () => new EventBridgeScheduler({ client, appName: resources.app.name, queueArn: (name) => broker.queueArn(name) });
    const group = `shared-${Date.now().toString(36)}`;
    const spec = {
      group,
      expression: 'rate(1 hour)',
      timezone: 'UTC',
      enabled: true,
      deleteAfterCompletion: false,
      queueName: fixture.queueName,
      input: '{"task":"x"}',
    };
    await make().create({ ...spec, name: 'one' });
    await make().create({ ...spec, name: 'two' });
    expect((await make().list(group)).map((s) => s.name).sort()).toEqual(['one', 'two']);
  });
});
