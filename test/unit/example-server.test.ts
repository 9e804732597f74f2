import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createServer, startServer } from '../../examples/app/server.js';
import { app } from '../../examples/app/tasks.js';
import { InMemoryBroker, InMemoryResultBackend, InMemoryScheduler } from '../../sdk/memory/index.js';

const DEFAULT_QUEUE = 'celeriac-example-default';
const EXPORTS_QUEUE = 'celeriac-example-exports';

let broker: InMemoryBroker;
let backend: InMemoryResultBackend;

beforeEach(() => {
  broker = new InMemoryBroker();
  backend = new InMemoryResultBackend();
  app.useTransport({ broker, backend, scheduler: new InMemoryScheduler() });
});

function post(path: string, body: unknown): Promise<Response> {
  return Promise.resolve(
    createServer().request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}

function envelopes(queue: string): Array<Record<string, unknown>> {
  return broker.messages(queue).map((m) => JSON.parse(m.body) as Record<string, unknown>);
}

describe('example server: schedules added at run time', () => {
  it('POST /schedules adds a weekly summary schedule, GET lists it, DELETE removes it', async () => {
    const created = await post('/schedules', { name: 'summary-monday', email: 'ops@example.com', cron: '30 7 * * 1' });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
      name: 'summary-monday',
      task: 'reports.weekly_summary',
      args: ['ops@example.com'],
      timezone: 'Asia/Shanghai',
      expression: 'cron(30 7 ? * 2 *)',
    });
    const listed = (await (await createServer().request('/schedules')).json()) as { name: string }[];
    expect(listed.map((s) => s.name)).toEqual(['summary-monday']);
    expect((await post('/schedules', { name: 'summary-monday', email: 'ops@example.com', cron: '30 7 * * 1' })).status).toBe(409);
    expect((await createServer().request('/schedules/summary-monday', { method: 'DELETE' })).status).toBe(204);
    expect((await createServer().request('/schedules/summary-monday', { method: 'DELETE' })).status).toBe(404);
  });

  it('answers 400 with the reason for a schedule Scheduler could not run, or args the task refuses', async () => {
    const tooOften = await post('/schedules', { name: 'x', email: 'ops@example.com', every: '7s' });
    expect(tooOften.status).toBe(400);
    expect(((await tooOften.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'SCHEDULE_INVALID',
      message: expect.stringMatching(/must divide 60/),
    });
    const badEmail = await post('/schedules', { name: 'x', email: 'nope', every: '1h' });
    expect(badEmail.status).toBe(400);
    expect(((await badEmail.json()) as { error: { code: string } }).error.code).toBe('ARGS_INVALID');
  });
});

describe('example server', () => {
  it('POST /emails answers 202 and enqueues email.send on the default queue', async () => {
    const res = await post('/emails', { subject: 'Welcome', content: 'Hello!', to: 'ada@example.com' });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { taskId: string; state: string; status: string };
    expect(body.taskId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body).toEqual({ taskId: body.taskId, state: 'PENDING', status: `/tasks/${body.taskId}` });
    const sent = envelopes(DEFAULT_QUEUE);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ id: body.taskId, task: 'email.send', args: ['Welcome', 'Hello!', 'ada@example.com'] });
  });

  it('POST /exports enqueues reports.export_users on the exports queue, 10 s ahead', async () => {
    const before = Date.now();
    const res = await post('/exports', { email: 'ops@example.com' });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { taskId: string; runsAfter: string };
    const runsAfter = Date.parse(body.runsAfter);
    expect(runsAfter - before).toBeGreaterThanOrEqual(9_000);
    expect(runsAfter - before).toBeLessThanOrEqual(12_000);
    expect(envelopes(DEFAULT_QUEUE)).toHaveLength(0);
    const [message] = broker.messages(EXPORTS_QUEUE);
    expect(message).toBeDefined();
    const envelope = JSON.parse(message!.body) as { id: string; task: string; args: unknown[]; eta: string; queue: string };
    expect(envelope).toMatchObject({ id: body.taskId, task: 'reports.export_users', args: ['ops@example.com'], queue: 'exports' });
    const eta = Date.parse(envelope.eta);
    expect(eta - Date.parse((envelope as unknown as { sentAt: string }).sentAt)).toBe(10_000);
    expect(eta - before).toBeGreaterThanOrEqual(9_000);
    expect(eta - before).toBeLessThanOrEqual(12_000);
    // DelaySeconds: the broker keeps the message invisible until then.
    expect(message!.visibleAt - before).toBeGreaterThanOrEqual(9_000);
  });

  it('POST /sms-codes and POST /add answer 202 and enqueue their tasks', async () => {
    expect((await post('/sms-codes', { phone: '+4915112345678' })).status).toBe(202);
    expect((await post('/add', { x: 4, y: 4 })).status).toBe(202);
    expect(envelopes(DEFAULT_QUEUE).map((e) => [e.task, e.args])).toEqual([
      ['sms.send_code', ['+4915112345678']],
      ['math.add', [4, 4]],
    ]);
  });

  it('a bad e-mail address answers 400 ARGS_INVALID and enqueues nothing', async () => {
    const res = await post('/emails', { subject: 'Welcome', content: 'Hello!', to: 'not-an-address' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('ARGS_INVALID');
    expect(body.error.message).toContain('email.send');
    expect(broker.messages(DEFAULT_QUEUE)).toHaveLength(0);
  });

  it('a bad phone number answers 400 ARGS_INVALID', async () => {
    const res = await post('/sms-codes', { phone: 'call me' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ARGS_INVALID');
    expect(broker.messages(DEFAULT_QUEUE)).toHaveLength(0);
  });

  it('a body that is not JSON answers 400 BAD_JSON', async () => {
    const res = await post('/emails', '{"subject": ');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('BAD_JSON');
    expect(body.error.message).toBeTruthy();
    expect(broker.messages(DEFAULT_QUEUE)).toHaveLength(0);
  });

  it('a body with a wrong field answers 400 naming the field', async () => {
    const res = await post('/add', { x: 4, y: 'four' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; field: string; message: string } };
    expect(body.error).toMatchObject({ code: 'BODY_INVALID', field: 'y' });
    expect(body.error.message).toContain('y');
    const missing = (await (await post('/exports', {})).json()) as { error: { code: string; field: string } };
    expect(missing.error).toMatchObject({ code: 'BODY_INVALID', field: 'email' });
    expect(broker.messages(DEFAULT_QUEUE)).toHaveLength(0);
  });

  it('a refused message answers 503 ENQUEUE_FAILED', async () => {
    app.useTransport({ broker: new InMemoryBroker({ refuse: () => 'ServiceUnavailable' }), backend });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = await post('/add', { x: 1, y: 2 });
    expect(logged).toHaveBeenCalledOnce();
    logged.mockRestore();
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ENQUEUE_FAILED');
  });

  it('GET /tasks/:id of an unknown id reads PENDING, exists false', async () => {
    const res = await createServer().request('/tasks/unknown');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: 'unknown', state: 'PENDING', exists: false, result: null, error: null, retries: 0 });
  });

  it('GET /tasks/:id reports a stored result', async () => {
    const id = 'c0ffee00-0000-4000-8000-000000000008';
    const dateDone = new Date('2026-01-02T03:04:05.000Z');
    await backend.save({ id, state: 'SUCCESS', task: 'math.add', queue: 'default', result: 8, retries: 0, dateDone, expiresAt: 0 });
    const res = await createServer().request(`/tasks/${id}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      id,
      state: 'SUCCESS',
      exists: true,
      task: 'math.add',
      queue: 'default',
      result: 8,
      error: null,
      info: null,
      retries: 0,
      dateStarted: null,
      dateDone: dateDone.toISOString(),
    });
  });

  it('GET / lists the routes with curl examples', async () => {
    const res = await createServer().request('http://localhost:3000/');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { routes: Array<{ path: string; example: string }> };
    expect(body.routes.map((r) => r.path)).toEqual(['/emails', '/exports', '/sms-codes', '/add', '/tasks/:id', '/schedules', '/schedules', '/schedules/:name']);
    for (const route of body.routes) expect(route.example).toMatch(/^curl .*http:\/\/localhost:3000\//);
  });

  it('startServer listens on a free port and closes', async () => {
    const { url, close } = await startServer({ port: 0 });
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${url}/add`, { method: 'POST', body: JSON.stringify({ x: 2, y: 3 }) });
      expect(res.status).toBe(202);
      expect(envelopes(DEFAULT_QUEUE)).toHaveLength(1);
    } finally {
      await close();
    }
  });
});
