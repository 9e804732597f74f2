import type { Command } from 'commander';
import type { App } from '../core/app.js';
import { createDashboard, serveDashboard, type ServedDashboard } from '../dashboard/server.js';
import { createAwsInspector } from '../aws-inspector.js';
import type { LocalCounters } from '../inspect/inspector.js';
import { DASHBOARD_USERNAME } from '../dashboard/deployed.js';
import { withAppOptions, withWorkerFunctions, openApp, type AppCommandOptions } from './cli-context.js';

/** Port the dashboard listens on by default, as Flower's. */
export const DEFAULT_DASHBOARD_PORT = 5555;

/**
 * Serves the dashboard of `app` on 127.0.0.1, against the current AWS endpoint.
 * @example
 * const served = await startLocalDashboard(app, { port: 0 });
 */
export async function startLocalDashboard(
  app: App,
  options: { port: number; localCounters?: LocalCounters; password?: string; workerFunctions?: string },
): Promise<ServedDashboard> {
  const inspector = createAwsInspector(app, {
    redriveMethod: process.env.AWS_ENDPOINT_URL ? 'copy' : 'move-task',
    ...(options.localCounters ? { localCounters: options.localCounters } : {}),
    ...(options.workerFunctions ? { workerFunctions: options.workerFunctions } : {}),
  });
  const dashboard = createDashboard(inspector, options.password ? { credentials: { username: DASHBOARD_USERNAME, password: options.password } } : {});
  return serveDashboard(dashboard, { port: options.port });
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new Error(`--port must be 0–65535, received ${value}`);
  return n;
}

/** `celeriac dashboard`: serves the dashboard against any endpoint (AWS, LocalStack, `celeriac dev`'s). */
export function registerDashboardCommand(program: Command): void {
  withWorkerFunctions(
    withAppOptions(program.command('dashboard').description('serve the dashboard on 127.0.0.1 against the app’s queues and results (AWS, or --endpoint)')),
  )
    .option('--port <port>', 'port (0 = any free port)', port, DEFAULT_DASHBOARD_PORT)
    .action(async (options: AppCommandOptions & { port: number }) => {
      const { app } = await openApp(options);
      const password = process.env.CELERIAC_DASHBOARD_PASSWORD;
      const served = await startLocalDashboard(app, {
        port: options.port,
        ...(password ? { password } : {}),
        ...(options.workerFunctions ? { workerFunctions: options.workerFunctions } : {}),
      });
      console.log(`celeriac dashboard for app ${app.name}: ${served.url}${password ? ' (user celeriac, password from CELERIAC_DASHBOARD_PASSWORD)' : ''}`);
      const stop = () => void served.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
