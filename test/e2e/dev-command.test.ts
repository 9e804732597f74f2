import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { eventually } from '../helpers/worker-harness.js';

const endpoint = useEmulatorEnv();
const outputDir = mkdtempSync(join(tmpdir(), 'celeriac-dev-'));
let child: ChildProcess;
let output = '';
let serviceUrl: string;

beforeAll(async () => {
  child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'sdk/cli/main.ts',
      'dev',
      '--app',
      'examples/app/tasks.ts',
      '--serve',
      'examples/app/server.ts',
      '--port',
      '0',
      '--dashboard-port',
      '0',
    ],
    { env: { ...process.env, AWS_ENDPOINT_URL: endpoint, CELERIAC_EXAMPLE_OUTPUT: outputDir }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  serviceUrl = await eventually(() => /Example service: (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1], 30_000, `the service URL in:\n${output}`);
}, 60_000);

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});

describe('celeriac dev (the process `npm run dev` starts)', () => {
  it('prints the service URL and a curl line to try', () => {
    expect(output).toContain(`curl -s -X POST ${serviceUrl}/emails`);
    expect(output).toContain('queue:     exports');
  });

  it('provisions and fires the declared schedules: the 3-second status report runs, and the Monday crontab is listed', async () => {
    expect(output).toMatch(/beat: +reports\.status-every-3s +every 3s/);
    expect(output).toMatch(/beat: +reports\.weekly-summary +cron\(30 7 \? \* 2 \*\) Asia\/Shanghai/);
    await eventually(
      () => (output.match(/Task reports\.status\[celeriac-example\.reports\.status-every-3s@\d{8}T\d{6}Z\] succeeded/g)?.length ?? 0) >= 2 || undefined,
      30_000,
      `two status reports in:\n${output}`,
    );
  });

  it('answers POST /emails at once with a task id, and the worker takes the task to SUCCESS', async () => {
    const response = await fetch(`${serviceUrl}/emails`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ subject: 'Welcome', content: 'Hello from celeriac', to: 'ada@example.com' }),
    });
    expect(response.status).toBe(202);
    const { taskId } = (await response.json()) as { taskId: string };
    const done = await eventually(
      async () => {
        const task = (await (await fetch(`${serviceUrl}/tasks/${taskId}`)).json()) as { state: string; result: { file: string } };
        return task.state === 'SUCCESS' ? task : undefined;
      },
      20_000,
      'the e-mail task to succeed',
    );
    expect(existsSync(done.result.file)).toBe(true);
    expect(readFileSync(done.result.file, 'utf8')).toMatch(/^Subject: Welcome$/m);
    expect(output).toMatch(new RegExp(`Task email\\.send\\[${taskId}\\] succeeded in \\d+\\.\\d{3}s`));

    const dashboard = /Dashboard: (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    expect(dashboard).toBeDefined();
    const listed = (await (await fetch(`${dashboard}/api/tasks?q=name:email.send`)).json()) as { tasks: { id: string; state: string }[] };
    expect(listed.tasks).toContainEqual(expect.objectContaining({ id: taskId, state: 'SUCCESS' }));
    expect(await (await fetch(`${dashboard}/tasks/${taskId}`)).text()).toContain('Welcome');
  });

  it('runs POST /sms-codes through the worker and logs the code', async () => {
    const response = await fetch(`${serviceUrl}/sms-codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone: '+8613800138000' }),
    });
    const { taskId } = (await response.json()) as { taskId: string };
    await eventually(
      async () => {
        const task = (await (await fetch(`${serviceUrl}/tasks/${taskId}`)).json()) as { state: string };
        return task.state === 'SUCCESS' ? task : undefined;
      },
      20_000,
      'the SMS task to succeed',
    );
    expect(readFileSync(join(outputDir, 'sms.log'), 'utf8')).toMatch(/\+8613800138000 Your code is \d{6}/);
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(readdirSync(join(outputDir, 'outbox')).length).toBe(1);
  });
});
