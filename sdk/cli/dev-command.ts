import { resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { EMULATOR_PORT_ENV } from '../dev/emulator/background.js';
import { APP_OPTION_HELP } from './cli-context.js';
import { DEFAULT_DASHBOARD_PORT } from './dashboard-command.js';
import { projectSettings, resolveAppModule } from './load-app.js';
import { startDev } from './dev.js';
import { watchDev } from './dev-watch.js';

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

interface DevCommandOptions {
  app?: string;
  serve?: string;
  port: number;
  concurrency: number;
  dashboard: boolean;
  dashboardPort: number;
  emulatorPort?: number;
  logPayloads?: boolean;
  watch?: boolean;
}

/** Adds `celeriac dev` (with `--watch`) to the program. */
export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description(
      'run the app locally: the project’s background AWS emulator (started or reused; AWS_ENDPOINT_URL instead when set), its queues and table, the worker, the beat, the dashboard and an optional web service',
    )
    .option('--app <module>', APP_OPTION_HELP)
    .option('--serve <module>', 'module exporting startServer({ port }) to serve beside the worker (default: "celeriac": { "serve": … } in package.json)')
    .option('--port <port>', 'port of the served module (0 = any free port)', nonNegativeInt, 3000)
    .option('--concurrency <n>', 'worker invocations in parallel per queue', nonNegativeInt, 2)
    .option('--dashboard-port <port>', 'port of the dashboard on 127.0.0.1 (0 = any free port)', nonNegativeInt, DEFAULT_DASHBOARD_PORT)
    .option('--no-dashboard', 'do not serve the dashboard')
    .addOption(
      new Option('--emulator-port <port>', 'port of the background emulator on 127.0.0.1, when it has to be started (default 4599)')
        .env(EMULATOR_PORT_ENV)
        .argParser(nonNegativeInt),
    )
    .option('--log-payloads', 'print task results in the worker’s log lines')
    .option('--watch', 'reload the app when a code file in its folder (or the served module’s) changes; the emulator and its state stay')
    .action(async (options: DevCommandOptions) => {
      const { settings, root } = projectSettings();
      const app = resolveAppModule(options.app);
      const serve = options.serve ?? (settings.serve ? resolve(root, settings.serve) : undefined);
      if (options.watch) {
        await watchDev({ app, ...(serve ? { serve } : {}), devArgs: process.argv.slice(3).filter((arg) => arg !== '--watch') });
        process.exit(0);
      }
      const { dashboard, dashboardPort, watch: _watch, app: _app, serve: _serve, ...rest } = options;
      const session = await startDev({
        ...rest,
        app,
        ...(serve ? { serve } : {}),
        concurrency: Math.max(1, options.concurrency),
        ...(dashboard ? { dashboardPort } : {}),
      });
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        console.error(`\nceleriac dev: ${signal} received, stopping (the emulator keeps running)…`);
        session.stop().then(
          () => process.exit(0),
          (error: unknown) => {
            console.error(error);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGTERM', () => shutdown('SIGTERM'));
    });
}
