import { Hono, type Context } from 'hono';
import type { TaskState } from '../core/states.js';
import type { Inspector } from '../inspect/inspector.js';
import { parseStates, parseTaskSearch, parseTime } from '../inspect/query.js';
import type { TaskQuery } from '../core/ports/inspection.js';
import { HttpError, intParam, jsonError } from './http-errors.js';

/** Reads the task query of `GET /api/tasks` (and the Tasks page) from the URL. */
export function taskQueryFromUrl(c: Context): TaskQuery {
  const q = c.req.query();
  const search = q.q ? parseTaskSearch(q.q) : {};
  const states: TaskState[] = [...(search.states ?? []), ...(q.state ? parseStates(q.state) : [])];
  return {
    ...search,
    ...(states.length ? { states } : {}),
    ...(q.name ? { name: q.name } : {}),
    ...(q.since ? { since: parseTime(q.since, 'since') } : {}),
    ...(q.until ? { until: parseTime(q.until, 'until') } : {}),
    limit: intParam(q.limit, 'limit', 1, 200, 50),
    ...(q.cursor ? { cursor: q.cursor } : {}),
  };
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (!text.trim()) return {};
  try {
    const body: unknown = JSON.parse(text);
    if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new HttpError(400, 'BAD_JSON', 'The request body must be a JSON object.');
}

/**
 * The JSON HTTP API (Flower-like routes), mounted at `/api`:
 *
 * | route | answer |
 * |---|---|
 * | `GET /tasks?q=&state=&name=&since=&until=&limit=&cursor=` | `{ tasks, next? }`, newest first |
 * | `GET /task/info/:id` | the task record (404 when unknown) |
 * | `POST /task/revoke/:id` | `{ revoked, state }` |
 * | `POST /task/retry/:id` | `{ id }` of the new task |
 * | `GET /tasks/registered` | registered tasks |
 * | `GET /queues` | counts per queue |
 * | `GET /queues/:queue/dead-letters?max=` | dead letters, peeked |
 * | `POST /queues/:queue/redrive` `{ messageIds? }` | `{ method, moved }` |
 * | `POST /queues/:queue/purge` `{ confirm: "<queue>", deadLetters? }` | `{ purged }` |
 * | `GET /schedules`, `POST /schedules/:name/pause`, `…/resume` | schedules |
 * | `GET /workers?minutes=`, `GET /rates?minutes=` | `{ source, workers }` (`cloudwatch`, `local-runtime` or `records`), tasks per minute |
 *
 * Errors answer `{ error: { code, message } }`: 400 for bad input, 404 for unknown things.
 */
export function createApiRoutes(inspector: Inspector): Hono {
  const api = new Hono();
  api.onError((error, c) => jsonError(c, error));

  api.get('/tasks', async (c) => c.json(await inspector.listTasks(taskQueryFromUrl(c))));
  api.get('/tasks/registered', (c) => c.json({ tasks: inspector.registered() }));
  api.get('/task/info/:id', async (c) => {
    const record = await inspector.getTask(c.req.param('id'));
    if (!record) throw new HttpError(404, 'TASK_NOT_FOUND', `No record of task ${c.req.param('id')}: it is unknown, still queued (PENDING), or expired.`);
    return c.json(record);
  });
  api.post('/task/revoke/:id', async (c) => {
    const body = await jsonBody(c);
    const reason = typeof body.reason === 'string' && body.reason ? body.reason : undefined;
    return c.json(await inspector.revoke(c.req.param('id'), reason));
  });
  api.post('/task/retry/:id', async (c) => c.json(await inspector.retry(c.req.param('id')), 202));

  api.get('/queues', async (c) => c.json({ queues: await inspector.queueStats() }));
  api.get('/queues/:queue/dead-letters', async (c) => {
    const max = intParam(c.req.query('max'), 'max', 1, 1000, 100);
    return c.json({ messages: await inspector.deadLetters(c.req.param('queue'), max) });
  });
  api.post('/queues/:queue/redrive', async (c) => {
    const body = await jsonBody(c);
    const ids = body.messageIds;
    if (ids !== undefined && (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string') || ids.length === 0)) {
      throw new HttpError(400, 'BAD_PARAMETER', 'messageIds must be a non-empty array of message ids (omit it to redrive every message).');
    }
    return c.json(await inspector.redrive(c.req.param('queue'), ids ? { messageIds: ids as string[] } : {}));
  });
  api.post('/queues/:queue/purge', async (c) => {
    const queue = c.req.param('queue');
    const body = await jsonBody(c);
    if (body.confirm !== queue) {
      throw new HttpError(400, 'CONFIRMATION_REQUIRED', `Purging deletes every message: send { "confirm": "${queue}" } to confirm.`);
    }
    await inspector.purge(queue, { deadLetters: body.deadLetters === true });
    return c.json({ purged: body.deadLetters === true ? `${queue} (dead letters)` : queue });
  });

  api.get('/schedules', async (c) => c.json(await inspector.schedules()));
  api.post('/schedules/:name/:action{pause|resume}', async (c) => {
    await inspector.setScheduleEnabled(c.req.param('name'), c.req.param('action') === 'resume');
    return c.json({ name: c.req.param('name'), enabled: c.req.param('action') === 'resume' });
  });
  api.get('/workers', async (c) => {
    const workers = await inspector.workers(intParam(c.req.query('minutes'), 'minutes', 1, 1440, 60));
    const sources = new Set(workers.map((w) => w.source));
    const source = sources.has('cloudwatch') ? 'cloudwatch' : sources.has('local-runtime') ? 'local-runtime' : 'records';
    return c.json({ source, workers });
  });
  api.get('/rates', async (c) => c.json({ rates: await inspector.rates(intParam(c.req.query('minutes'), 'minutes', 1, 1440, 60)) }));
  api.all('*', (c) => c.json({ error: { code: 'NOT_FOUND', message: `No API route ${c.req.method} ${c.req.path}` } }, 404));
  return api;
}
