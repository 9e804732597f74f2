import { execFile } from 'node:child_process';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { createHarness, eventually, uniqueAppName, type Harness } from '../helpers/worker-harness.js';

const endpoint = useEmulatorEnv();
process.env.CELERIAC_TEST_APP_NAME = uniqueAppName('cli');
const { app } = await import('../fixtures/inspect-cli-app.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `celeriac <args>` as a process against the emulator. */
function celeriac(...args: string[]): Promise<Run> {
  return celeriacWithEnv({}, ...args);
}

/** Runs `celeriac <args>` as a process against the emulator, with more environment variables. */
function celeriacWithEnv(env: Readonly<Record<string, string>>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'sdk/cli/main.ts', ...args, '--app', 'test/fixtures/inspect-cli-app.ts', '--endpoint', endpoint],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('celeriac CLI (as a process)', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await createHarness(app);
  }, 120_000);
  afterAll(() => harness?.dispose());

  it('reads worker activity from the worker function’s CloudWatch metrics with --worker-functions or CELERIAC_WORKER_FUNCTIONS', async () => {
    const functionName = `${app.name}-Worker`;
    const cloudwatch = new CloudWatchClient({});
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/Lambda',
        MetricData: [
          {
            MetricName: 'Invocations',
            Dimensions: [{ Name: 'FunctionName', Value: functionName }],
            Value: 4,
            Unit: 'Count',
            Timestamp: new Date(Date.now() - 60_000),
          },
        ],
      }),
    );
    cloudwatch.destroy();
    const withFlag = await celeriac('inspect', 'workers', '--json', '--worker-functions', functionName);
    expect(withFlag.code).toBe(0);
    const rows = JSON.parse(withFlag.stdout) as { source: string; lambda?: { functionName: string; invocations: number } }[];
    expect(rows.map((r) => [r.source, r.lambda?.functionName, r.lambda?.invocations])).toEqual(rows.map(() => ['cloudwatch', functionName, 4]));
    const withEnv = await celeriacWithEnv({ CELERIAC_WORKER_FUNCTIONS: functionName }, 'inspect', 'workers');
    expect(withEnv.code).toBe(0);
    expect(withEnv.stdout).toContain(`cloudwatch  ${functionName}: 4 invocations, 0 errors`);
    const without = await celeriac('inspect', 'workers', '--json');
    expect((JSON.parse(without.stdout) as { source: string }[]).every((r) => r.source === 'records')).toBe(true);
    const badQueue = await celeriac('inspect', 'workers', '--worker-functions', 'nosuchqueue=fn');
    expect(badQueue.code).toBe(2);
    expect(badQueue.stderr).toContain('queue "nosuchqueue"');
  });

  it('lists registered tasks with --json', async () => {
    const run = await celeriac('inspect', 'registered', '--json');
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { name: string }[]).map((t) => t.name)).toEqual(['math.add', 'always.fails']);
  });

  it('calls a task, answers PENDING (exit 3) until a worker runs it, then SUCCESS with result --wait', async () => {
    const call = await celeriac('call', 'math.add', '[4, 4]', '--json');
    expect(call.code).toBe(0);
    const { id } = JSON.parse(call.stdout) as { id: string };

    const pending = await celeriac('result', id, '--json');
    expect(pending.code).toBe(3);
    expect(JSON.parse(pending.stdout)).toEqual({ id, state: 'PENDING', exists: false });

    harness.startWorker();
    const done = await celeriac('result', id, '--wait', '--timeout', '30', '--json');
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ id, state: 'SUCCESS', result: 8, task: 'math.add', argsRepr: '[4,4]' });
  });

  it('exits 1 for a failed task and lists it with inspect tasks', async () => {
    const call = await celeriac('call', 'always.fails', '["disk full"]', '--json');
    const { id } = JSON.parse(call.stdout) as { id: string };
    const failed = await celeriac('result', id, '--wait', '--timeout', '30', '--json');
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ state: 'FAILURE', error: { message: 'failed on purpose: disk full' } });

    const listed = await celeriac('inspect', 'tasks', 'state:FAILURE', '--json');
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as { tasks: { id: string }[] }).tasks.map((t) => t.id)).toEqual([id]);
  });

  it('exits 2 with a message for bad input: unknown task, bad JSON, unknown state, purge without --yes', async () => {
    const [unknown, badJson, badState, purge] = await Promise.all([
      celeriac('call', 'no.such.task', '[]'),
      celeriac('call', 'math.add', '[4,'),
      celeriac('inspect', 'tasks', 'state:DONE', '--json'),
      celeriac('purge', 'default'),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no\.such\.task/);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toMatch(/args is not JSON/);
    expect(badState.code).toBe(2);
    expect(badState.stderr).toMatch(/Unknown state "DONE"/);
    expect(purge.code).toBe(2);
    expect(purge.stderr).toMatch(/add --yes/);
  });

  it('revokes a task not yet run, and lists and redrives dead letters', async () => {
    const revoked = await celeriac('revoke', 'not-run-yet', '--json');
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)).toEqual({ id: 'not-run-yet', revoked: true, state: 'REVOKED' });

    await harness.stopWorker();
    await harness.sqs.send(
      new SendMessageCommand({ QueueUrl: harness.queue('default').deadLetterUrl, MessageBody: '{"id":"dlq-1","task":"math.add","args":[1,1]}' }),
    );
    const listed = await celeriac('dlq', 'list', 'default', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ taskId: 'dlq-1', task: 'math.add' }]);

    const redriven = await celeriac('dlq', 'redrive', 'default', '--json');
    expect(redriven.code).toBe(0);
    expect(JSON.parse(redriven.stdout)).toEqual({ method: 'copy', moved: 1 });
    harness.startWorker();
    await eventually(async () => ((await app.backend().get('dlq-1'))?.state === 'SUCCESS' ? true : undefined), 30_000, 'the redriven task to run');

    const queues = await celeriac('inspect', 'queues', '--json');
    expect(JSON.parse(queues.stdout)).toMatchObject([{ name: 'default', deadLetters: 0 }]);
  });
});
