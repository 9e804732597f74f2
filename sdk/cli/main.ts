#!/usr/bin/env node
/**
 * The `celeriac` command line.
 */
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_DASHBOARD_PORT, registerDashboardCommand } from './dashboard-command.js';
import { resolve } from 'node:path';
import { APP_OPTION_HELP } from './cli-context.js';
import { startDev } from './dev.js';
import { initProject, initSummary } from './init.js';
import { projectSettings, resolveAppModule } from './load-app.js';
import { registerDlqCommand, registerInspectCommand, registerPurgeCommand } from './inspect-commands.js';
import { registerCallCommand, registerResultCommand, registerRevokeCommand } from './task-commands.js';
import { schedulesCommand } from './schedules.js';

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

const program = new Command()
  .name('celeriac')
  .description('Celery-style task queue for TypeScript on AWS (SQS, Lambda, DynamoDB).')
  .showHelpAfterError();

program
  .command('dev')
  .description('run the app locally: the AWS endpoint (an embedded emulator unless AWS_ENDPOINT_URL is set), its queues and table, the worker, and an optional web service')
  .option('--app <module>', APP_OPTION_HELP)
  .option('--serve <module>', 'module exporting startServer({ port }) to serve beside the worker (default: "celeriac": { "serve": … } in package.json)')
  .option('--port <port>', 'port of the served module (0 = any free port)', nonNegativeInt, 3000)
  .option('--concurrency <n>', 'worker invocations in parallel per queue', nonNegativeInt, 2)
  .option('--dashboard-port <port>', 'port of the dashboard on 127.0.0.1 (0 = any free port)', nonNegativeInt, DEFAULT_DASHBOARD_PORT)
  .option('--no-dashboard', 'do not serve the dashboard')
  .action(async (options: { app?: string; serve?: string; port: number; concurrency: number; dashboard: boolean; dashboardPort: number }) => {
    const { dashboard, dashboardPort, app, serve, ...rest } = options;
    const { settings, root } = projectSettings();
    const served = serve ?? (settings.serve ? resolve(root, settings.serve) : undefined);
    const session = await startDev({ ...rest, app: resolveAppModule(app), ...(served ? { serve: served } : {}), concurrency: Math.max(1, options.concurrency), ...(dashboard ? { dashboardPort } : {}) });
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.error(`\nceleriac dev: ${signal} received, stopping…`);
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

program
  .command('init [dir]')
  .description('scaffold a service: tasks module, CDK app, unit test, scripts (dev, test, synth, deploy)')
  .option('--name <name>', 'app name, which prefixes every AWS resource (default: the folder’s name)')
  .option('--force', 'overwrite files that exist')
  .action(async (dir: string | undefined, options: { name?: string; force?: boolean }) => {
    const target = dir ?? '.';
    const result = await initProject({ dir: target, ...(options.name ? { name: options.name } : {}), ...(options.force ? { force: true } : {}) });
    for (const line of initSummary(result, target)) console.log(line);
  });

registerCallCommand(program);
registerResultCommand(program);
registerInspectCommand(program);
registerRevokeCommand(program);
registerPurgeCommand(program);
registerDlqCommand(program);
registerDashboardCommand(program);
program.addCommand(schedulesCommand());

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`celeriac: ${(error as Error).message ?? String(error)}`);
  process.exit(1);
});
