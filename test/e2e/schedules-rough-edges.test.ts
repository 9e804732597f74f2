import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateScheduleCommand, DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboard } from '../../sdk/dashboard/server.js';
import { provisionLocalResources } from '../../sdk/dev/provision.js';
import { createAwsInspector } from '../../sdk/aws-inspector.js';
import { app } from '../fixtures/schedules-edges-app.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';

const endpoint = useEmulatorEnv();
const exec = promisify(execFile);

const repo = resolve(import.meta.dirname, '../..');
/** A service of the user's with no "celeriac" field in its package.json. */
const bareProject = mkdtempSync(join(tmpdir(), 'celeriac-bare-'));
writeFileSync(join(bareProject, 'package.json'), '{"name":"bare","type":"module"}');

async function celeriac(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return celeriacIn(repo, env, ...args);
}

async function celeriacIn(cwd: string, env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), join(repo, 'sdk/cli/main.ts'), 'schedules', '--endpoint', endpoint, ...args],
      {
        cwd,
        env: { ...withoutAppModule(), AWS_ENDPOINT_URL: '', ...env },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const scheduler = new SchedulerClient({});

function withoutAppModule(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.CELERIAC_APP_MODULE;
  return env;
}

beforeAll(async () => {
  const sqs = new SQSClient({});
  await provisionLocalResources(app, { sqs, dynamodb: new DynamoDBClient({}) });
  const added = await celeriac(
    {},
    '--app',
    'test/fixtures/schedules-edges-app.ts',
    'add',
    'every-minute',
    'reports.daily',
    '--every',
    '1m',
    '--args',
    '["ops@shop.example"]',
  );
  expect(added.code, added.stderr).toBe(0);
  const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: app.queue('default').queueName }))).QueueUrl!;
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  // Made by hand in the console with an Input that is not a task message.
  await scheduler.send(
    new CreateScheduleCommand({
      GroupName: app.name,
      Name: 'hand-broken',
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Shanghai',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: arn, RoleArn: 'arn:aws:iam::000000000000:role/scheduler', Input: 'send the report please' },
    }),
  );
}, 120_000);

afterAll(async () => {
  await scheduler.send(new DeleteScheduleCommand({ GroupName: app.name, Name: 'hand-broken' })).catch(() => undefined);
  await celeriac({}, '--app', 'test/fixtures/schedules-edges-app.ts', 'rm', 'every-minute');
  rmSync(bareProject, { recursive: true, force: true });
});

describe('celeriac schedules and the Schedules page: the rough edges', () => {
  it('finds the app as the other commands do: no example default, a clear error without --app', async () => {
    const without = await celeriacIn(bareProject, {}, 'list');
    expect(without.code).not.toBe(0);
    expect(without.stderr).toMatch(/--app/);
    expect(without.stdout).not.toContain('reports.status-every-3s');
    const fromEnv = await celeriacIn(bareProject, { CELERIAC_APP_MODULE: join(repo, 'test/fixtures/schedules-edges-app.ts') }, 'list');
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(fromEnv.stdout).toMatch(/^every-minute +reports\.daily +every 1m /m);
  });

  it('lists a BROKEN schedule with its reason', async () => {
    const listed = await celeriac({}, '--app', 'test/fixtures/schedules-edges-app.ts', 'list');
    expect(listed.stdout).toMatch(/^hand-broken +\? +cron\(0 3 \* \* \? \*\) +Asia\/Shanghai +BROKEN +\d{4}-\d{2}-\d{2} 03:00:00 /m);
    expect(listed.stdout).toMatch(/^hand-broken is BROKEN: .+/m);
  });

  it('shows the same "every 1m" as the CLI, and next runs in the schedule’s zone', async () => {
    const dashboard = createDashboard(createAwsInspector(app, { redriveMethod: 'copy' }));
    const page = await (await dashboard.request('/schedules')).text();
    const row = /<tr data-schedule="every-minute">[\s\S]*?<\/tr>/.exec(page)?.[0] ?? '';
    expect(row).toContain('every 1m');
    expect(row).not.toContain('every 60 s');
    expect(page).toContain('Next runs (in its time zone)');
    const info = (await app.schedules.get('hand-broken'))!;
    const first = info.nextRuns[0]!;
    const shanghai = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', dateStyle: 'short', timeStyle: 'medium' }).format(first);
    expect(shanghai).toMatch(/ 03:00:00$/);
    expect(page).toContain(`>${shanghai}</time>`);
  });
});
