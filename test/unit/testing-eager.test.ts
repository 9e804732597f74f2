import { beforeEach, describe, expect, it } from 'vitest';
import { createCoreApp } from '../../sdk/core/app.js';
import { currentTask } from '../../sdk/index.js';
import { useTestTransport, type TestEnvironment } from '../../sdk/testing/index.js';
import { describeTaskBehaviours, defineBehaviourTasks, RunCounter, type BehaviourEnvironment } from '../behaviour/task-behaviours.suite.js';

// One app, as a user's module would export it; each test gets fresh in-memory ports.
const app = createCoreApp({ name: 'eager', publishLingerMs: 0 });
const runs = new RunCounter();
const tasks = defineBehaviourTasks(app, runs);
let env: TestEnvironment;
beforeEach(() => {
  env = useTestTransport(app);
});

const environment: BehaviourEnvironment = {
  app,
  tasks,
  runs,
  atomicClaims: true,
  wait: { timeoutMs: 3_600_000, intervalMs: 500 },
  async until(check, what) {
    for (let i = 0; i < 100; i++) {
      if (await check()) return;
      await env.clock.sleep(1_000);
    }
    throw new Error(`eager mode: ${what} did not happen`);
  },
};

describeTaskBehaviours('eager mode (celeriac/testing)', () => environment);

describe('celeriac/testing', () => {
  const slow = app.task('t.slow-retry', async () => {
    if (currentTask().retries < 2) currentTask().retry({ countdownSeconds: 600 });
    return currentTask().retries;
  });
  const poison = app.task('t.poison', async (n: number) => n);

  it('runs retries due in ten minutes at once, on virtual time', async () => {
    const started = env.clock.now();
    const realStart = Date.now();
    const result = await slow.delay();
    expect(await result.get({ timeoutMs: 3_600_000 })).toBe(2);
    expect(env.clock.now() - started).toBeGreaterThanOrEqual(1_200_000);
    expect(Date.now() - realStart).toBeLessThan(10_000);
    expect(env.events.filter((e) => e.type === 'retry')).toHaveLength(2);
  });

  it('runs everything queued with runUntilIdle and keeps poison messages in the dead-letter queue', async () => {
    await env.broker.sendBatch(app.queue('default').queueName, [{ id: 'x', body: '{"task":"t.poison","args":["not a number"],"id":"p-1"}', delaySeconds: 0 }]);
    await env.broker.sendBatch(app.queue('default').queueName, [{ id: 'y', body: 'not json', delaySeconds: 0 }]);
    await poison.applyAsync([5], { countdownSeconds: 60 });
    await env.runUntilIdle();
    expect(env.events.filter((e) => e.type === 'succeeded')).toHaveLength(2); // the poison task ran with a string: no schema
    expect(env.deadLetters()).toHaveLength(1);
    expect(env.nextDueMs()).toBeUndefined();
  });
});
