/**
 * The example web service: a small Hono app that sends the example tasks and reports on them.
 * Every POST answers `202 Accepted` at once with the task id; the worker does the work, and
 * `GET /tasks/:id` tells how it went (Celery: a web view calling `.delay()` and polling `AsyncResult`).
 *
 * Run it with `npm run dev` (local queues, results and worker), or on its own with
 * `npx tsx examples/app/server.ts` (then it talks to whatever AWS endpoint the environment names).
 */
import { pathToFileURL } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { CeleriacError, ErrorCode, TaskState, type AsyncResult } from '../../sdk/index.js';
import { add, app, exportUsers, sendEmail, sendSmsCode, weeklySummary } from './tasks.js';

/** Seconds an export waits before it runs (a chance to cancel it, as in the Celery tutorials). */
const EXPORT_COUNTDOWN_SECONDS = 10;

// Request bodies: only their shape is checked here. The tasks' own `argsSchema` checks the values
// (a malformed e-mail address or phone number comes back as ARGS_INVALID from the SDK).
const emailBody = z.object({ subject: z.string(), content: z.string(), to: z.string() });
const exportBody = z.object({ email: z.string() });
const smsCodeBody = z.object({ phone: z.string() });
const addBody = z.object({ x: z.number(), y: z.number() });
const scheduleBody = z.object({ name: z.string(), email: z.string(), every: z.union([z.string(), z.number()]).optional(), cron: z.string().optional() });

/** An error answered as `{ error: { code, message, field? } }` with its HTTP status. */
class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** HTTP status of a celeriac error code; anything not listed is a 500. */
const STATUS_BY_CODE: Partial<Record<string, ContentfulStatusCode>> = {
  [ErrorCode.ARGS_INVALID]: 400,
  [ErrorCode.OPTIONS_INVALID]: 400,
  [ErrorCode.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCode.ENQUEUE_FAILED]: 503,
  [ErrorCode.SCHEDULE_INVALID]: 400,
  [ErrorCode.SCHEDULE_EXISTS]: 409,
  [ErrorCode.SCHEDULE_NOT_FOUND]: 404,
};

/** Reads the body as JSON and checks it against `schema`; throws an {@link HttpError} (400) otherwise. */
async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const text = await c.req.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, 'BAD_JSON', `The request body is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.map(String).join('.') : undefined;
    throw new HttpError(
      400,
      'BODY_INVALID',
      field ? `Field "${field}": ${issue?.message}` : `The request body must be a JSON object: ${issue?.message ?? 'invalid'}`,
      field,
    );
  }
  return parsed.data;
}

/** The 202 answer to a task just sent. */
function accepted(c: Context, result: AsyncResult<unknown>, extra: Record<string, unknown> = {}): Response {
  const status = `/tasks/${encodeURIComponent(result.id)}`;
  c.header('Location', status);
  return c.json({ taskId: result.id, state: TaskState.PENDING, status, ...extra }, 202);
}

/**
 * Creates the example web service. Routes (JSON in and out):
 * - `POST /emails` `{ subject, content, to }`: sends `email.send`.
 * - `POST /exports` `{ email }`: sends `reports.export_users` on the `exports` queue, to run in 10 s.
 * - `POST /sms-codes` `{ phone }`: sends `sms.send_code`.
 * - `POST /add` `{ x, y }`: sends `math.add`.
 * - `GET /tasks/:id`: the task's state, result or error.
 * - `POST /schedules` `{ name, email, every | cron }`: adds a schedule of `reports.weekly_summary` at run
 *   time (django-celery-beat's `PeriodicTask.objects.create`); `GET /schedules` lists the app's schedules;
 *   `DELETE /schedules/:name` removes one.
 * - `GET /`: this list, with a curl example each.
 *
 * Errors answer `{ error: { code, message } }`: 400 for a bad body (`BAD_JSON`, `BODY_INVALID`
 * with `field`) or bad task arguments (`ARGS_INVALID`, `OPTIONS_INVALID`), 413 `PAYLOAD_TOO_LARGE`,
 * 503 `ENQUEUE_FAILED` when the queue refused the message, 400 `SCHEDULE_INVALID`, 409 `SCHEDULE_EXISTS`,
 * 404 `SCHEDULE_NOT_FOUND`, 500 otherwise.
 * @example
 * const res = await createServer().request('/add', { method: 'POST', body: JSON.stringify({ x: 4, y: 4 }) });
 * // 202 { taskId: '…', state: 'PENDING', status: '/tasks/…' }
 */
export function createServer(): Hono {
  const server = new Hono();

  server.get('/', (c) => {
    const base = new URL(c.req.url).origin;
    const post = (path: string, body: unknown): string => `curl -s -X POST ${base}${path} -H 'content-type: application/json' -d '${JSON.stringify(body)}'`;
    return c.json({
      service: 'celeriac example shop',
      routes: [
        {
          method: 'POST',
          path: '/emails',
          task: sendEmail.name,
          body: '{ subject, content, to }',
          example: post('/emails', { subject: 'Welcome', content: 'Hello!', to: 'ada@example.com' }),
        },
        {
          method: 'POST',
          path: '/exports',
          task: exportUsers.name,
          body: '{ email }',
          runs: `in ${EXPORT_COUNTDOWN_SECONDS} s on the exports queue`,
          example: post('/exports', { email: 'ops@example.com' }),
        },
        { method: 'POST', path: '/sms-codes', task: sendSmsCode.name, body: '{ phone }', example: post('/sms-codes', { phone: '+4915112345678' }) },
        { method: 'POST', path: '/add', task: add.name, body: '{ x, y }', example: post('/add', { x: 4, y: 4 }) },
        { method: 'GET', path: '/tasks/:id', description: "a task's state, result or error", example: `curl -s ${base}/tasks/<taskId>` },
        {
          method: 'POST',
          path: '/schedules',
          task: weeklySummary.name,
          body: '{ name, email, every | cron }',
          example: post('/schedules', { name: 'summary-hourly', email: 'ops@example.com', every: '1h' }),
        },
        { method: 'GET', path: '/schedules', description: "the app's schedules with their next runs", example: `curl -s ${base}/schedules` },
        { method: 'DELETE', path: '/schedules/:name', description: 'removes a schedule', example: `curl -s -X DELETE ${base}/schedules/summary-hourly` },
      ],
    });
  });

  server.post('/emails', async (c) => {
    const { subject, content, to } = await readBody(c, emailBody);
    return accepted(c, await sendEmail.delay(subject, content, to));
  });

  server.post('/exports', async (c) => {
    const { email } = await readBody(c, exportBody);
    const runsAfter = new Date(app.clock.now() + EXPORT_COUNTDOWN_SECONDS * 1000).toISOString();
    const result = await exportUsers.applyAsync([email], { countdownSeconds: EXPORT_COUNTDOWN_SECONDS, queue: 'exports' });
    return accepted(c, result, { runsAfter });
  });

  server.post('/sms-codes', async (c) => {
    const { phone } = await readBody(c, smsCodeBody);
    return accepted(c, await sendSmsCode.delay(phone));
  });

  server.post('/add', async (c) => {
    const { x, y } = await readBody(c, addBody);
    return accepted(c, await add.delay(x, y));
  });

  server.post('/schedules', async (c) => {
    const { name, email, every, cron } = await readBody(c, scheduleBody);
    const args: [string] = [email];
    const schedule =
      every !== undefined
        ? await app.schedules.create(name, weeklySummary, { every, args })
        : cron !== undefined
          ? await app.schedules.create(name, weeklySummary, { cron, args })
          : undefined;
    if (!schedule) throw new HttpError(400, 'BODY_INVALID', 'Give `every` (e.g. "1h") or `cron` (e.g. "30 7 * * 1").', 'every');
    return c.json(schedule, 201);
  });

  server.get('/schedules', async (c) => c.json(await app.schedules.list()));

  server.delete('/schedules/:name', async (c) => {
    if (!(await app.schedules.delete(c.req.param('name')))) {
      throw new HttpError(404, ErrorCode.SCHEDULE_NOT_FOUND, `No schedule named "${c.req.param('name')}".`);
    }
    return c.body(null, 204);
  });

  server.get('/tasks/:id', async (c) => {
    const record = await app.asyncResult(c.req.param('id')).record();
    return c.json({
      id: record.id,
      state: record.state,
      // One read: an id the backend does not know comes back as a synthetic PENDING record with
      // `expiresAt: 0`; every stored record carries its TTL, and only stored tasks leave PENDING.
      exists: record.state !== TaskState.PENDING || record.expiresAt > 0,
      task: record.task ?? null,
      queue: record.queue ?? null,
      result: record.result ?? null,
      error: record.error ?? null,
      // A custom state's metadata, e.g. the export's progress: { current, total }.
      info: record.meta ?? null,
      retries: record.retries,
      dateStarted: record.dateStarted ?? null,
      dateDone: record.dateDone ?? null,
    });
  });

  server.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `No route for ${c.req.method} ${c.req.path}; GET / lists them.` } }, 404));

  server.onError((error, c) => {
    if (error instanceof HttpError) {
      return c.json({ error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } }, error.status);
    }
    if (error instanceof CeleriacError) {
      const status = STATUS_BY_CODE[error.code] ?? 500;
      if (status >= 500) console.error(error);
      return c.json({ error: { code: error.code, message: error.message } }, status);
    }
    console.error(error);
    return c.json({ error: { code: 'INTERNAL', message: error.message } }, 500);
  });

  return server;
}

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /**
   * Port to listen on; 0 picks a free one.
   * @default 3000
   */
  readonly port?: number;
  /**
   * Address to listen on.
   * @default '127.0.0.1'
   */
  readonly hostname?: string;
}

/** A running server, from {@link startServer}. */
export interface RunningServer {
  /** Base URL, with the real port, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /** Stops accepting connections and resolves once the server is closed. */
  close(): Promise<void>;
}

/**
 * Serves {@link createServer} over HTTP with `@hono/node-server`, and resolves once it listens.
 * @throws when the port cannot be bound (e.g. `EADDRINUSE`).
 * @example
 * const { url, close } = await startServer({ port: 0 });
 * await fetch(`${url}/add`, { method: 'POST', body: JSON.stringify({ x: 4, y: 4 }) });
 * await close();
 */
export function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const { port = 3000, hostname = '127.0.0.1' } = options;
  const app = createServer();
  return new Promise((resolve, reject) => {
    let server: ServerType | undefined;
    const onError = (error: Error): void => reject(error);
    server = serve({ fetch: app.fetch, port, hostname }, (info) => {
      server?.off('error', onError);
      const host = info.address.includes(':') ? `[${info.address}]` : info.address;
      resolve({ url: `http://${host}:${info.port}`, close: () => closeServer(server!) });
    });
    server.once('error', onError);
  });
}

function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // Keep-alive sockets that carry no request would otherwise hold the close back.
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  });
}

// `npx tsx examples/app/server.ts`: serve on $PORT (default 3000) until interrupted.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { url, close } = await startServer({ port: Number(process.env.PORT ?? 3000) });
  console.log(`celeriac example service on ${url} (GET ${url}/ lists the routes)`);
  const stop = (): void => {
    void close().then(() => app.close());
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
