import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsTransport } from '../../sdk/aws/transport.js';
import { TaskState } from '../../sdk/core/states.js';
import { createDashboard } from '../../sdk/dashboard/server.js';
import { createAwsInspector } from '../../sdk/aws-inspector.js';
import { taskRecord } from '../fixtures/records.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { provisionThrowawayApp, type ThrowawayResources } from '../helpers/emulator-resources.js';

describe('Tasks page and API filters: custom states and periodic runs (on the emulator)', () => {
  let res: ThrowawayResources;
  let dashboard: Hono;
  let runId: string;
  const now = Date.now();

  beforeAll(async () => {
    useEmulatorEnv();
    res = await provisionThrowawayApp({ default: {} });
    res.app.useTransport(awsTransport(res.app, { sqs: res.sqs, dynamodb: res.dynamodb }));
    dashboard = createDashboard(createAwsInspector(res.app, { sqs: res.sqs, dynamodb: res.dynamodb, redriveMethod: 'copy' }));
    runId = `${res.app.name}.reports.status-every-3s@20261204T010203Z`;
    const backend = res.app.backend();
    await backend.save(taskRecord({ id: 'export-1', task: 'exports.users', state: 'PROGRESS', result: undefined, sentAt: new Date(now - 3_000) }));
    await backend.save(taskRecord({ id: runId, task: 'reports.status', sentAt: new Date(now - 2_000) }));
    await backend.save(taskRecord({ id: 'user@example.com-welcome', task: 'email.send', sentAt: new Date(now - 1_000) }));
  }, 120_000);
  afterAll(() => res?.dispose());

  const ids = async (path: string) => {
    const response = await dashboard.request(path);
    expect(response.status, await response.clone().text()).toBe(200);
    return ((await response.json()) as { tasks: { id: string; state: string }[] }).tasks.map((t) => t.id);
  };

  it('searches a custom state a task is in (state:PROGRESS), and still refuses one no task is in', async () => {
    expect(await ids(`/api/tasks?q=${encodeURIComponent('state:PROGRESS')}`)).toEqual(['export-1']);
    expect(await ids('/api/tasks?state=progress')).toEqual(['export-1']);
    expect(await res.app.asyncResult('export-1').state()).toBe('PROGRESS');
    const refused = await dashboard.request('/api/tasks?state=DONE');
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/Unknown state "DONE".*now: PROGRESS/);
  });

  it('offers a chip for a custom state while a task is in it', async () => {
    const page = await (await dashboard.request('/tasks')).text();
    expect(page).toContain('data-state="PROGRESS"');
    for (const state of [TaskState.SUCCESS, TaskState.FAILURE]) expect(page).toContain(`data-state="${state}"`);
  });

  it('hides the runs of schedules with one click, keeping every other task (an id with @ too)', async () => {
    expect(await ids('/api/tasks')).toEqual(['user@example.com-welcome', runId, 'export-1']);
    expect(await ids('/api/tasks?periodic=hide')).toEqual(['user@example.com-welcome', 'export-1']);
    const page = await (await dashboard.request('/tasks')).text();
    const chip = /<a href="([^"]+)"[^>]*data-filter="periodic"[^>]*>Hide periodic runs<\/a>/.exec(page);
    expect(chip?.[1]).toContain('periodic=hide');
    const hidden = await (await dashboard.request(chip![1]!.replaceAll('&amp;', '&'))).text();
    expect(hidden).not.toContain(runId);
    expect(hidden).toContain('user@example.com-welcome');
    expect(hidden).toMatch(/class="on" data-filter="periodic"/);
  });
});
