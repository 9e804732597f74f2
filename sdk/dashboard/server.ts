import { serve } from '@hono/node-server';
import { Hono, type MiddlewareHandler } from 'hono';
import { basicAuth } from 'hono/basic-auth';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import { timingSafeEqual } from 'hono/utils/buffer';
import type { Inspector } from '../inspect/inspector.js';
import { createApiRoutes } from './api.js';
import { createPageRoutes } from './pages.js';
import { CachedPassword, type PasswordLoader } from './password.js';

/** The user name and password every request must present (HTTP basic auth). */
export interface DashboardCredentials {
  readonly username: string;
  /**
   * The password, or a function that reads it from where it is kept (e.g. `secretsManagerPassword()`):
   * read when the dashboard is created, cached, and read again after a failed check at most once a
   * minute, so a rotated password works.
   */
  readonly password: string | PasswordLoader;
}

/** Options of {@link createDashboard}. */
export interface DashboardOptions {
  /**
   * Path prefix the dashboard is served under (e.g. `/celeriac`).
   * @default '' (the root)
   */
  readonly basePath?: string;
  /**
   * A user name and password every request must present (HTTP basic auth).
   * @default - none: serve it on loopback only, or behind IAM (the CDK construct's function URL)
   */
  readonly credentials?: DashboardCredentials;
}

/**
 * The dashboard and its JSON API as one Hono app, which runs on Node (`serveDashboard`) and on
 * Lambda (`hono/aws-lambda`'s `handle`). Forms are protected against cross-site posts; task
 * arguments and results are always rendered as text.
 * @example
 * const dashboard = createDashboard(createAwsInspector(app));
 * export const handler = handle(dashboard);
 */
export function createDashboard(inspector: Inspector, options: DashboardOptions = {}): Hono {
  const base = (options.basePath ?? '').replace(/\/$/, '');
  const root = new Hono();
  root.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: { defaultSrc: ["'self'"], styleSrc: ["'unsafe-inline'"], scriptSrcAttr: ["'unsafe-inline'"], imgSrc: ["'self'", 'data:'] },
    }),
  );
  if (options.credentials) root.use('*', passwordAuth(options.credentials));
  root.use('*', csrf());
  root.route(`${base}/api`, createApiRoutes(inspector));
  root.route(base || '/', createPageRoutes(inspector, base));
  return root;
}

/**
 * HTTP basic auth against a fixed or stored password (both compared in constant time). Answers 401
 * with `WWW-Authenticate` without or with wrong credentials, and 503 when the stored password cannot
 * be read: never lets a request through unchecked.
 */
function passwordAuth(credentials: DashboardCredentials): MiddlewareHandler {
  const { username, password } = credentials;
  const stored = new CachedPassword(typeof password === 'string' ? () => Promise.resolve(password) : password);
  stored.preload();
  return basicAuth({
    realm: 'celeriac dashboard',
    verifyUser: async (user, supplied) => {
      let passwordOk: boolean;
      try {
        passwordOk = await stored.check(supplied);
      } catch (error) {
        console.error(`celeriac dashboard: cannot read the password: ${(error as Error).message}`);
        throw new HTTPException(503, { message: 'The dashboard password cannot be read right now; try again shortly.' });
      }
      return (await timingSafeEqual(username, user)) && passwordOk;
    },
  });
}

/** A dashboard served on Node. */
export interface ServedDashboard {
  /** Its address, e.g. `http://127.0.0.1:5555`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves the dashboard on `hostname:port` (loopback by default; port 0 picks a free one).
 * @example
 * const served = await serveDashboard(createDashboard(inspector), { port: 5555 });
 */
export function serveDashboard(dashboard: Hono, options: { port?: number; hostname?: string } = {}): Promise<ServedDashboard> {
  const hostname = options.hostname ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: dashboard.fetch, port: options.port ?? 5555, hostname }, (info) => {
      resolve({
        url: `http://${hostname}:${info.port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
    server.once('error', reject);
  });
}
