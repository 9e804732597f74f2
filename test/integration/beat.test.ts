import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEAD_LETTER_ATTRIBUTES } from '../../sdk/aws/index.js';
import { LocalScheduler } from '../../sdk/dev/local-scheduler.js';
import { countdownGroupOf, scheduleGroupOf } from '../../sdk/core/schedule/definition.js';
import { createApp, TaskState } from '../../sdk/index.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { createHarness, eventually, uniqueAppName, type Harness } from '../helpers/worker-harness.js';

const endpoint = useEmulatorEnv();
const run = promisify(execFile);

/** The real AWS CLI, as a person at a terminal (or the console) would use it, against the emulator. */
async function aws(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('aws', ['--endpoint-url', endpoint, '--region', process.env.AWS_REGION ?? 'us-east-1', '--output', 'json', ...args], {
      env: process.env,
    });
    return stdout;
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('the AWS CLI (`aws`) is not installed: apt-get install awscli (.ci/run does it)');
    throw new Error(`aws ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

// A clock the test can move forward, to reach a 20-minute countdown without waiting 20 minutes.
let offsetMs = 0;
const clock = { now: () => Date.now() + offsetMs, sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) };
const app = createApp({ name: uniqueAppName('beat'), worker: { timeoutSeconds: 5 }, clock });
const daily = app.task('reports.daily', async (to = 'ops@shop.example') => `report sent to ${to}`, {
  argsSchema: z.union([z.tuple([]), z.tuple([z.email()])]),
});
const add = app.task('math.add', async (x: number, y: number) => x + y);

let h: Harness;
let beat: LocalScheduler;
let queueArn: string;

beforeAll(async () => {
  h = await createHarness(app);
  h.startWorker();
  beat = new LocalScheduler({
    scheduler: app.scheduler(),
    broker: app.broker(),
    groups: [scheduleGroupOf(app.name), countdownGroupOf(app.name)],
    now: clock.now,
    refreshMs: 500,
    log: () => {},
  });
  await beat.start();
  const attributes = await h.sqs.send(new GetQueueAttributesCommand({ QueueUrl: h.queue('default').url, AttributeNames: ['QueueArn'] }));
  queueArn = attributes.Attributes!.QueueArn!;
});

afterAll(async () => {
  await beat?.stop();
  await h?.dispose();
});

/** `aws scheduler create-schedule` as typed in a terminal: a rate schedule sending `input` to the queue. */
async function createWithCli(name: string, input: string): Promise<void> {
  await aws(
    'scheduler',
    'create-schedule',
    '--name',
    name,
    '--group-name',
    app.name,
    '--schedule-expression',
    'rate(1 hour)',
    '--flexible-time-window',
    'Mode=OFF',
    '--target',
    JSON.stringify({ Arn: queueArn, RoleArn: 'arn:aws:iam::123456789012:role/hand-made', Input: input }),
  );
}

describe('schedules made outside celeriac', () => {
  it('runs a schedule created with the AWS CLI whose Input is {"task":"reports.daily"}', async () => {
    await aws('scheduler', 'create-schedule-group', '--name', app.name).catch(() => undefined);
    await createWithCli('console-made', '{"task":"reports.daily"}');
    const info = await app.schedules.get('console-made');
    expect(info).toMatchObject({ task: 'reports.daily', problem: undefined, declared: false, expression: 'rate(1 hour)' });
    const event = await eventually(() => h.events.find((e) => e.type === 'succeeded' && e.task === 'reports.daily'), 20_000, 'the run');
    expect(event).toMatchObject({ result: 'report sent to ops@shop.example' });
    expect(beat.fired().map((f) => f.name)).toContain('console-made');
  });

  it('records a bad hand edit as FAILURE naming the schedule, and keeps the message in the DLQ', async () => {
    // Created by celeriac, then edited by hand with `aws scheduler update-schedule`: a typo breaks the JSON.
    await app.schedules.create('hand-edited', daily, { every: '1h', args: ['ops@shop.example'] });
    const good = JSON.parse(await aws('scheduler', 'get-schedule', '--name', 'hand-edited', '--group-name', app.name)) as { Target: { Input: string } };
    const broken = good.Target.Input.replace('"args":', 'args:');
    await aws(
      'scheduler',
      'update-schedule',
      '--name',
      'hand-edited',
      '--group-name',
      app.name,
      '--schedule-expression',
      'rate(1 hour)',
      '--flexible-time-window',
      'Mode=OFF',
      '--target',
      JSON.stringify({ Arn: queueArn, RoleArn: 'arn:aws:iam::123456789012:role/hand-made', Input: broken }),
    );
    expect((await app.schedules.get('hand-edited'))?.problem).toMatch(/not JSON/);

    const [letter] = await h.deadLetters('default', 1, 20);
    expect(letter?.Body).toContain('args:');
    expect(letter?.MessageAttributes?.[DEAD_LETTER_ATTRIBUTES.schedule]?.StringValue).toBe(`${app.name}/hand-edited`);
    const why = letter?.MessageAttributes?.[DEAD_LETTER_ATTRIBUTES.message]?.StringValue ?? '';
    expect(why).toMatch(new RegExp(`^schedule ${app.name}/hand-edited \\(run of .+\\): Message body is not JSON`));
    const taskId = letter!.MessageAttributes![DEAD_LETTER_ATTRIBUTES.taskId]!.StringValue!;
    const record = await app.asyncResult(taskId);
    expect(await record.state()).toBe(TaskState.FAILURE);
    expect(await record.traceback()).toBeDefined();
    expect((await app.backend().get(taskId))?.error?.message).toBe(why);
  });
});

describe('countdowns beyond 15 minutes', () => {
  it('wait in a one-time at() schedule at the right time, which fires, runs the task and is deleted', async () => {
    const sentAt = clock.now();
    const result = await add.applyAsync([20, 22], { countdownSeconds: 20 * 60 });
    const [countdown, ...others] = await app.schedules.listCountdowns();
    expect(others).toEqual([]);
    expect(countdown).toMatchObject({ name: `eta-${result.id}`, group: `${app.name}-eta`, task: 'math.add', args: [20, 22], timezone: 'UTC' });
    const due = new Date(Math.floor((sentAt + 20 * 60_000) / 1000) * 1000);
    expect(countdown!.expression).toBe(`at(${due.toISOString().slice(0, 19)})`);
    const stored = await app.scheduler().get(`${app.name}-eta`, `eta-${result.id}`);
    expect(stored?.deleteAfterCompletion).toBe(true);

    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await result.state()).toBe(TaskState.PENDING);
    offsetMs += 20 * 60_000 + 1000; // twenty minutes later
    expect(await result.get({ timeoutMs: 20_000, intervalMs: 200 })).toBe(42);
    await eventually(async () => ((await app.schedules.listCountdowns()).length === 0 ? true : undefined), 10_000, 'the schedule to be deleted');
  });

  it('never run when cancelled before they fire: the schedule is deleted', async () => {
    const result = await add.applyAsync([1, 1], { countdownSeconds: 30 * 60 });
    expect(await app.schedules.cancelCountdown(result.id)).toBe(true);
    expect(await app.scheduler().get(`${app.name}-eta`, `eta-${result.id}`)).toBeUndefined();
    offsetMs += 31 * 60_000;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await result.state()).toBe(TaskState.PENDING);
    expect(beat.fired().some((f) => f.name === `eta-${result.id}`)).toBe(false);
  });
});
