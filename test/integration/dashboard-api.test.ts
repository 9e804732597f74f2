import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { awsTransport } from '../../sdk/aws/transport.js';
import { TaskState } from '../../sdk/core/states.js';
import { createDashboard } from '../../sdk/dashboard/server.js';
import { createAwsInspector } from '../../sdk/aws-inspector.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { provisionThrowawayApp, type ThrowawayResources } from '../helpers/emulator-resources.js';
import { saveAll, taskPopulation } from '../fixtures/task-population.js';

describe('JSON HTTP API (on the emulator)', () => {
  let res: ThrowawayResources;
  let dashboard: Hono;
  const population = taskPopulation(40, new Date(Date.now() - 30_000), 'zebra', 'api');

  beforeAll(async () => {
    useEmulatorEnv();
    res = await provisionThrowawayApp({ default: {}, exports: {} });
    res.app.useTransport(awsTransport(res.app, { sqs: res.sqs, dynamodb: res.dynamodb }));
    res.app.task('math.add', async (x: number, y: number) => x + y);
    dashboard = createDashboard(createAwsInspector(res.app, { sqs: res.sqs, dynamodb: res.dynamodb, redriveMethod: 'copy' }));
    await saveAll(res.app.backend(), population);
  }, 120_000);
  afterAll(() => res?.dispose());

  const json = async (path: string, init?: RequestInit) => {
    const response = await dashboard.request(path, init);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const post = (path: string, body: unknown) =>
    json(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('GET /api/tasks filters and pages', async () => {
    const { status, body } = await json('/api/tasks?state=FAILURE&limit=3');
    expect(status).toBe(200);
    const tasks = body.tasks as { id: string; state: string }[];
    expect(tasks.map((t) => t.id)).toEqual(
      population
        .filter((r) => r.state === TaskState.FAILURE)
        .slice(0, 3)
        .map((r) => r.id),
    );
    const next = await json(`/api/tasks?state=FAILURE&limit=3&cursor=${body.next as string}`);
    expect((next.body.tasks as { id: string }[]).map((t) => t.id)).toEqual(
      population
        .filter((r) => r.state === TaskState.FAILURE)
        .slice(3, 6)
        .map((r) => r.id),
    );
    const search = await json(`/api/tasks?q=${encodeURIComponent('name:email.* zebra')}`);
    expect((search.body.tasks as { id: string }[]).map((t) => t.id)).toEqual(
      population.filter((r, i) => i % 7 === 0 && r.task!.startsWith('email.')).map((r) => r.id),
    );
  });

  it('answers 400 with a JSON error for a bad state, limit, time or cursor', async () => {
    for (const [path, code] of [
      ['/api/tasks?state=DONE', 'OPTIONS_INVALID'],
      ['/api/tasks?limit=500', 'BAD_PARAMETER'],
      ['/api/tasks?since=yesterday', 'OPTIONS_INVALID'],
      ['/api/tasks?cursor=garbage', 'OPTIONS_INVALID'],
      ['/api/rates?minutes=0', 'BAD_PARAMETER'],
    ] as const) {
      const { status, body } = await json(path);
      expect({ path, status, code: (body.error as { code: string }).code }).toEqual({ path, status: 400, code });
      expect((body.error as { message: string }).message.length).toBeGreaterThan(10);
    }
  });

  it('GET /api/task/info/:id answers the record, or 404', async () => {
    const found = await json('/api/task/info/api-0002');
    expect(found).toMatchObject({ status: 200, body: { id: 'api-0002', state: 'FAILURE', argsRepr: '["n2"]' } });
    const missing = await json('/api/task/info/nope');
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'TASK_NOT_FOUND' } } });
  });

  it('POST /api/task/revoke/:id revokes, and says when a task already finished', async () => {
    expect(await post('/api/task/revoke/api-0004', {})).toEqual({ status: 200, body: { revoked: true, state: 'REVOKED' } });
    expect(await post('/api/task/revoke/api-0000', {})).toEqual({ status: 200, body: { revoked: false, state: 'SUCCESS' } });
    expect((await post('/api/task/revoke/api-0001', '[1')).status).toBe(400);
  });

  it('POST /api/task/retry/:id sends a complete record again and refuses an unknown task name', async () => {
    await res.app
      .backend()
      .save({ id: 'api-retry', state: TaskState.FAILURE, task: 'math.add', queue: 'default', retries: 0, argsRepr: '[2,3]', expiresAt: 2_000_000_000 });
    const sent = await post('/api/task/retry/api-retry', {});
    expect(sent.status).toBe(202);
    const received = await res.sqs.send(new ReceiveMessageCommand({ QueueUrl: res.queues.get('default')!.url, WaitTimeSeconds: 2, MaxNumberOfMessages: 10 }));
    const bodies = (received.Messages ?? []).map((m) => JSON.parse(m.Body!) as { id: string; args: unknown[]; headers: Record<string, string> });
    expect(bodies).toContainEqual(expect.objectContaining({ id: sent.body.id, task: 'math.add', args: [2, 3], headers: { retryOf: 'api-retry' } }));
    // email.bounce is not registered in this app; api-0003 is still RETRY.
    expect(await post('/api/task/retry/api-0001', {})).toMatchObject({
      status: 400,
      body: { error: { code: 'OPTIONS_INVALID', message: expect.stringContaining('does not register') } },
    });
    expect(await post('/api/task/retry/api-0003', {})).toMatchObject({
      status: 400,
      body: { error: { message: expect.stringContaining('only a finished task') } },
    });
  });

  it('GET /api/queues, /api/tasks/registered, /api/schedules, /api/workers and /api/rates answer JSON', async () => {
    expect((await json('/api/queues')).body.queues).toHaveLength(2);
    expect((await json('/api/tasks/registered')).body.tasks).toEqual([
      { name: 'math.add', queue: 'default', maxRetries: 3, ignoreResult: false, redacted: false },
    ]);
    expect((await json('/api/schedules')).body).toEqual({ available: true, schedules: [] });
    expect((await json('/api/workers?minutes=60')).body.workers).toHaveLength(2);
    expect((await json('/api/rates?minutes=5')).body.rates).toHaveLength(5);
  });

  it('POST /api/queues/:queue/purge needs the queue name as confirmation; unknown queues are 400', async () => {
    expect(await post('/api/queues/default/purge', {})).toMatchObject({ status: 400, body: { error: { code: 'CONFIRMATION_REQUIRED' } } });
    expect(await post('/api/queues/default/purge', { confirm: 'default', deadLetters: true })).toEqual({
      status: 200,
      body: { purged: 'default (dead letters)' },
    });
    expect(await json('/api/queues/nope/dead-letters')).toMatchObject({ status: 400, body: { error: { code: 'CONFIG_INVALID' } } });
    expect(await post('/api/queues/default/redrive', { messageIds: [] })).toMatchObject({ status: 400, body: { error: { code: 'BAD_PARAMETER' } } });
  });

  it('answers 404 as JSON for an unknown API route', async () => {
    expect(await json('/api/nothing-here')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });

  it('refuses a form post from another origin', async () => {
    const response = await dashboard.request('/tasks/api-0001/revoke', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
      body: '',
    });
    expect(response.status).toBe(403);
    expect((await res.app.backend().get('api-0001'))?.state).toBe(TaskState.SUCCESS);
  });
});
