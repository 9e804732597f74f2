import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { provisionLocalResources } from '../../sdk/dev/provision.js';
import { app } from '../fixtures/cli-app.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';

const endpoint = useEmulatorEnv();
const exec = promisify(execFile);

/** Runs `celeriac schedules …` as a process; returns its exit code and output. */
async function celeriac(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(
      process.execPath,
      ['--import', 'tsx', 'sdk/cli/main.ts', 'schedules', '--app', 'test/fixtures/cli-app.ts', '--endpoint', endpoint, ...args],
      {
        env: { ...process.env, AWS_ENDPOINT_URL: '' },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  await provisionLocalResources(app, { sqs: new SQSClient({}), dynamodb: new DynamoDBClient({}) });
}, 60_000);

describe('celeriac schedules (run as a process)', () => {
  it('adds, shows, lists, pauses, resumes and removes a schedule, with --json and exit codes scripts can use', async () => {
    const added = await celeriac('add', 'monday', 'reports.daily', '--cron', '30 7 * * 1', '--args', '["ops@shop.example"]', '--json');
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({
      name: 'monday',
      task: 'reports.daily',
      expression: 'cron(30 7 ? * 2 *)',
      timezone: 'Asia/Shanghai',
      enabled: true,
    });

    expect((await celeriac('add', 'monday', 'reports.daily', '--cron', '30 7 * * 1', '--args', '["ops@shop.example"]')).code).toBe(5);
    const invalid = await celeriac('add', 'bad', 'reports.daily', '--every', '7s', '--args', '["ops@shop.example"]');
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/must divide 60/);
    const badArgs = await celeriac('add', 'bad', 'reports.daily', '--every', '1m', '--args', '["not-an-email"]');
    expect(badArgs.code).toBe(2);
    expect(badArgs.stderr).toMatch(/failed validation/);

    const shown = JSON.parse((await celeriac('show', 'monday', '--json')).stdout) as { nextRuns: string[] };
    expect(shown.nextRuns).toHaveLength(5);
    expect(new Date(shown.nextRuns[0]!).getUTCDay()).toBe(0); // Monday 07:30 in Shanghai is Sunday 23:30 UTC
    expect(new Date(shown.nextRuns[0]!).toISOString()).toMatch(/T23:30:00\.000Z$/);

    const table = await celeriac('list');
    expect(table.stdout).toMatch(/^NAME +TASK +WHEN +TIME ZONE +STATE +NEXT RUN +ARGS$/m);
    expect(table.stdout).toMatch(
      /^monday +reports\.daily +cron\(30 7 \? \* 2 \*\) +Asia\/Shanghai +enabled +\d{4}-\d{2}-\d{2} 07:30:00 +\["ops@shop\.example"\]$/m,
    );

    expect(JSON.parse((await celeriac('pause', 'monday', '--json')).stdout)).toMatchObject({ enabled: false, nextRuns: [] });
    expect(JSON.parse((await celeriac('resume', 'monday', '--json')).stdout)).toMatchObject({ enabled: true });
    expect((await celeriac('rm', 'monday')).code).toBe(0);
    const gone = await celeriac('rm', 'monday');
    expect(gone.code).toBe(3);
    expect(gone.stderr).toMatch(/No schedule "monday"/);
    expect(JSON.parse((await celeriac('list', '--json')).stdout)).toEqual([]);
  }, 120_000);
});
