import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../sdk/index.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { createHarness, uniqueAppName, type Harness } from '../helpers/worker-harness.js';

describe('LocalRuntime: stop and start again (on the emulator)', () => {
  const app = createApp({ name: uniqueAppName('runtime') });
  const add = app.task('math.add', async (x: number, y: number) => x + y);
  let h: Harness;

  beforeAll(async () => {
    useEmulatorEnv();
    h = await createHarness(app);
  }, 120_000);
  afterAll(() => h?.dispose());

  it('runs a task sent just after a stop at once in the next runtime: the stopped one left no poll to take it', async () => {
    for (let round = 0; round < 3; round++) {
      h.startWorker({ concurrency: 2 });
      // Let the pollers' long polls reach the server, then stop while they wait there.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await h.stopWorker();
      const result = await add.delay(round, 1);
      h.startWorker({ concurrency: 2 });
      // The queue's visibility timeout is minutes: a message taken by a poll cut on the client would
      // stay hidden that long.
      expect(await result.get({ timeoutMs: 10_000, intervalMs: 100 })).toBe(round + 1);
      await h.stopWorker();
    }
  });
});
