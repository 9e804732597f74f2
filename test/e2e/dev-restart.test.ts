import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { GetQueueUrlCommand, ListQueuesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevProject, type DevProcess, type DevProject } from '../helpers/dev-project.js';
import { eventually } from '../helpers/worker-harness.js';

/** The user's app: a task that takes a while (and says when it starts), on a short visibility timeout. */
const TASKS = `
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp, currentTask } from '@celeriac';

export const app = createApp({ name: 'shop', worker: { timeoutSeconds: 3 }, queues: { default: {} } });

export const slow = app.task('work.slow', async (ms: number) => {
  const { id } = currentTask();
  mkdirSync(join(process.cwd(), 'runs'), { recursive: true });
  writeFileSync(join(process.cwd(), 'runs', id + '-' + process.pid), '');
  await new Promise((resolve) => setTimeout(resolve, ms));
  return { slept: ms, secret: 'result-' + id };
});
`;

let project: DevProject;
let dev: DevProcess;

const runsOf = (id: string) => (existsSync(join(project.dir, 'runs')) ? readdirSync(join(project.dir, 'runs')).filter((f) => f.startsWith(`${id}-`)) : []);

async function startDev(): Promise<DevProcess> {
  const started = project.start('dev', '--app', 'tasks.ts', '--no-dashboard', '--concurrency', '1');
  await started.waitFor(/queue: +default/);
  project.emulator();
  return started;
}

async function call(ms: number): Promise<string> {
  const called = await project.run('call', 'work.slow', JSON.stringify([ms]), '--app', 'tasks.ts', '--json');
  expect(called.code, called.stderr).toBe(0);
  return (JSON.parse(called.stdout) as { id: string }).id;
}

async function result(id: string, ...flags: string[]): Promise<{ state: string; result?: unknown }> {
  const shown = await project.run('result', id, '--app', 'tasks.ts', '--json', ...flags);
  return JSON.parse(shown.stdout) as { state: string; result?: unknown };
}

beforeAll(async () => {
  project = await createDevProject({ 'tasks.ts': TASKS });
}, 180_000);

afterAll(async () => {
  await project?.dispose();
});

describe('celeriac dev restarted (the emulator outlives it)', () => {
  let firstTask: string;
  let emulatorPid: number;

  it('starts the project’s emulator in the background, on the port asked for, recorded in .celeriac/', async () => {
    dev = await startDev();
    const record = project.emulator()!;
    expect(record.endpoint).toBe(`http://127.0.0.1:${project.emulatorPort}`);
    expect(dev.output()).toContain(`started the emulator at ${record.endpoint} (pid ${record.pid})`);
    emulatorPid = record.pid;
  }, 90_000);

  it('keeps the record, the DLQ content and a hand-made schedule across a SIGKILL of the dev process, and the task in flight comes back and completes', async () => {
    const endpoint = project.emulator()!.endpoint;
    const sqs = new SQSClient({ endpoint });
    const dlq = await sqs.send(new GetQueueUrlCommand({ QueueName: 'shop-default-dlq' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: dlq.QueueUrl!, MessageBody: '{"id":"poisoned-1","task":"work.slow","args":["not a number"]}' }));
    sqs.destroy();
    const added = await project.run('schedules', 'add', 'hand-made', 'work.slow', '--cron', '0 3 1 1 *', '--args', '[5]', '--app', 'tasks.ts');
    expect(added.code, added.stderr).toBe(0);

    firstTask = await call(1500);
    await eventually(() => (runsOf(firstTask).length === 1 ? true : undefined), 30_000, 'the task to start');
    expect(await dev.kill('SIGKILL')).toBe(null);
    expect(process.kill(emulatorPid, 0)).toBe(true); // the emulator is still there

    dev = await startDev();
    expect(dev.output()).toContain(`reusing the emulator at ${endpoint} (pid ${emulatorPid}`);
    const done = await result(firstTask, '--wait', '--timeout', '60');
    expect(done).toMatchObject({ state: 'SUCCESS', result: { slept: 1500 } });
    expect(runsOf(firstTask)).toHaveLength(2); // the first run died with the dev process; the second completed

    const [dlqList, schedule] = await Promise.all([
      project.run('dlq', 'list', 'default', '--app', 'tasks.ts', '--json'),
      project.run('schedules', 'show', 'hand-made', '--app', 'tasks.ts', '--json'),
    ]);
    expect(JSON.parse(dlqList.stdout)).toMatchObject([{ taskId: 'poisoned-1', task: 'work.slow' }]);
    expect(JSON.parse(schedule.stdout)).toMatchObject({ name: 'hand-made', task: 'work.slow', expression: 'cron(0 3 1 1 ? *)' });
  }, 120_000);

  it('finishes the task in flight on SIGTERM and keeps everything for the next start; dev logs leave results out', async () => {
    const id = await call(1500);
    await eventually(() => (runsOf(id).length === 1 ? true : undefined), 30_000, 'the task to start');
    expect(await dev.kill('SIGTERM')).toBe(0);
    expect(dev.output()).toMatch(new RegExp(`Task work\\.slow\\[${id}\\] succeeded in \\d+\\.\\d{3}s`));
    expect(dev.output()).not.toContain(`result-${id}`);

    dev = await startDev();
    expect(dev.output()).toContain(`(pid ${emulatorPid}`);
    const [again, first, dlqList] = await Promise.all([result(id), result(firstTask), project.run('dlq', 'list', 'default', '--app', 'tasks.ts', '--json')]);
    expect(again).toMatchObject({ state: 'SUCCESS', result: { slept: 1500, secret: `result-${id}` } });
    expect(first.state).toBe('SUCCESS');
    expect(runsOf(id)).toHaveLength(1);
    expect(JSON.parse(dlqList.stdout)).toHaveLength(1);
  }, 120_000);

  it('says so plainly when the emulator itself died, and restores the state it last saved', async () => {
    await dev.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 6_000)); // a snapshot is taken every 5 s
    process.kill(emulatorPid, 'SIGKILL');
    await eventually(
      () => {
        try {
          process.kill(emulatorPid, 0);
          return undefined;
        } catch {
          return true;
        }
      },
      10_000,
      'the emulator to die',
    );

    dev = await startDev();
    expect(dev.output()).toMatch(new RegExp(`the previous emulator \\(pid ${emulatorPid}, started [^)]+\\) had stopped: its state saved at \\S+ is restored`));
    expect(project.emulator()!.pid).not.toBe(emulatorPid);
    const [first, schedule] = await Promise.all([result(firstTask), project.run('schedules', 'show', 'hand-made', '--app', 'tasks.ts', '--json')]);
    expect(first.state).toBe('SUCCESS');
    expect(schedule.code).toBe(0);
    await dev.kill('SIGTERM');
  }, 120_000);

  it('celeriac emulator stop saves the state, start restores it, reset empties it; status and env say where it is', async () => {
    const status = await project.run('emulator', 'status', '--json');
    expect(status.code).toBe(0);
    const { record } = JSON.parse(status.stdout) as { record: { endpoint: string } };
    const env = await project.run('env');
    expect(env.stdout).toContain(`export AWS_ENDPOINT_URL='${record.endpoint}'`);
    expect(env.stderr).not.toContain('NodeVersionSupportWarning');

    const stopped = await project.run('emulator', 'stop');
    expect(stopped.stdout).toMatch(/Stopped the emulator \(pid \d+\); its state is saved/);
    expect((await project.run('emulator', 'status')).code).toBe(3);
    expect((await project.run('env')).code).toBe(1);

    const started = await project.run('emulator', 'start');
    expect(started.stdout).toMatch(/state restored from the snapshot saved at/);
    project.emulator();
    expect((await result(firstTask)).state).toBe('SUCCESS');

    expect((await project.run('emulator', 'reset', '--yes')).code).toBe(0);
    const sqs = new SQSClient({ endpoint: record.endpoint });
    expect((await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? []).toEqual([]);
    sqs.destroy();
    const stoppedAgain = await project.run('emulator', 'stop');
    expect(stoppedAgain.code).toBe(0);
  }, 120_000);
});
