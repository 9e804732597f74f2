import { describe, expect, it } from 'vitest';
import { createDashboard } from '../../sdk/dashboard/server.js';
import { Inspector } from '../../sdk/inspect/inspector.js';
import type { QueueAdmin, TaskIndex } from '../../sdk/core/ports/inspection.js';
import { memoryHarness } from '../helpers/memory-harness.js';

const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('not used in this test')) });

describe('createDashboard', () => {
  const h = memoryHarness();
  h.app.task('math.add', async (x: number, y: number) => x + y);
  const inspector = new Inspector({ app: h.app, tasks: unused as TaskIndex, queues: unused as QueueAdmin });

  it('asks for basic auth when given credentials, and answers with them', async () => {
    const dashboard = createDashboard(inspector, { credentials: { username: 'celeriac', password: 's3cret' } });
    const none = await dashboard.request('/api/tasks/registered');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Basic realm="celeriac dashboard"');
    const wrong = await dashboard.request('/api/tasks/registered', { headers: { authorization: `Basic ${btoa('celeriac:nope')}` } });
    expect(wrong.status).toBe(401);
    const ok = await dashboard.request('/api/tasks/registered', { headers: { authorization: `Basic ${btoa('celeriac:s3cret')}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ tasks: [{ name: 'math.add', queue: 'default', maxRetries: 3, ignoreResult: false, redacted: false }] });
  });

  it('checks a password read from a store, and answers 503 (never the page) when the store cannot be read', async () => {
    let reads = 0;
    const stored = createDashboard(inspector, {
      credentials: {
        username: 'celeriac',
        password: async () => {
          reads++;
          return 'from-store';
        },
      },
    });
    const basic = (user: string, password: string) => ({ headers: { authorization: `Basic ${btoa(`${user}:${password}`)}` } });
    expect((await stored.request('/api/tasks/registered')).status).toBe(401);
    expect((await stored.request('/api/tasks/registered', basic('celeriac', 'nope'))).status).toBe(401);
    expect((await stored.request('/api/tasks/registered', basic('admin', 'from-store'))).status).toBe(401);
    expect((await stored.request('/api/tasks/registered', basic('celeriac', 'from-store'))).status).toBe(200);
    expect(reads).toBe(1);

    const broken = createDashboard(inspector, { credentials: { username: 'celeriac', password: () => Promise.reject(new Error('AccessDeniedException')) } });
    const response = await broken.request('/api/tasks/registered', basic('celeriac', 'anything'));
    expect(response.status).toBe(503);
    expect(await response.text()).not.toContain('math.add');
  });

  it('serves under a base path, with a content security policy', async () => {
    const dashboard = createDashboard(inspector, { basePath: '/ops' });
    const response = await dashboard.request('/ops/api/tasks/registered');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await dashboard.request('/ops')).headers.get('location')).toBe('/ops/tasks');
  });
});
