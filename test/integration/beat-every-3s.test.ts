import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalScheduler } from '../../sdk/dev/local-scheduler.js';
import { provisionLocalSchedules } from '../../sdk/dev/provision.js';
import { countdownGroupOf, scheduleGroupOf } from '../../sdk/core/schedule/definition.js';
import { createApp, currentTask } from '../../sdk/index.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { createHarness, eventually, uniqueAppName, type Harness } from '../helpers/worker-harness.js';

useEmulatorEnv();

// The seeds' `'schedule': 3.0`: a task every 3 seconds, which EventBridge Scheduler (one-minute
// floor) runs as one firing a minute fanned out by the worker into 20 delayed messages.
const app = createApp({ name: uniqueAppName('beat3s'), worker: { timeoutSeconds: 5 } });
const runs: { id: string; at: number }[] = [];
const tick = app.task('reports.tick', async () => {
  runs.push({ id: currentTask().id, at: Date.now() });
  return runs.length;
});
app.schedule('tick-3s', tick, { every: '3s' });

let h: Harness;
let beat: LocalScheduler;

beforeAll(async () => {
  h = await createHarness(app);
  await provisionLocalSchedules(app, { sqs: h.sqs, scheduler: app.scheduler() });
  h.startWorker({ concurrency: 2 });
  beat = new LocalScheduler({
    scheduler: app.scheduler(),
    broker: app.broker(),
    groups: [scheduleGroupOf(app.name), countdownGroupOf(app.name)],
    log: () => {},
  });
  await beat.start();
});

afterAll(async () => {
  await beat?.stop();
  await h?.dispose();
});

describe('a 3-second schedule in the local runtime', () => {
  it('runs 20 ± 1 times in a minute, each run once', async () => {
    const first = await eventually(() => runs[0]?.at, 20_000, 'the first run');
    await eventually(() => (Date.now() >= first + 61_000 ? true : undefined), 75_000, 'a minute of runs');
    const inMinute = runs.filter((run) => run.at >= first && run.at < first + 60_000);
    expect(inMinute.length).toBeGreaterThanOrEqual(19);
    expect(inMinute.length).toBeLessThanOrEqual(21);
    expect(new Set(runs.map((run) => run.id)).size).toBe(runs.length);
    // Every run knows its schedule: its id is the schedule and the run's time.
    expect(runs[0]!.id).toMatch(new RegExp(`^${app.name}\\.tick-3s@\\d{8}T\\d{6}Z$`));
    expect(beat.fired().filter((f) => f.name === 'tick-3s').length).toBeGreaterThanOrEqual(1);
  }, 90_000);
});
