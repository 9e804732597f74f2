#!/usr/bin/env node
/**
 * The `celeriac` command line.
 */
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_DASHBOARD_PORT, registerDashboardCommand } from './dashboard-command.js';
import { startDev } from './dev.js';
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
  .requiredOption('--app <module>', 'module exporting the app (export const app = createApp(…))')
  .option('--serve <module>', 'module exporting startServer({ port }) to serve beside the worker')
  .option('--port <port>', 'port of the served module (0 = any free port)', nonNegativeInt, 3000)
  .option('--concurrency <n>', 'worker invocations in parallel per queue', nonNegativeInt, 2)
  .option('--dashboard-port <port>', 'port of the dashboard on 127.0.0.1 (0 = any free port)', nonNegativeInt, DEFAULT_DASHBOARD_PORT)
  .option('--no-dashboard', 'do not serve the dashboard')
  .action(async (options: { app: string; serve?: string; port: number; concurrency: number; dashboard: boolean; dashboardPort: number }) => {
    const { dashboard, dashboardPort, ...rest } = options;
    const session = await startDev({ ...rest, concurrency: Math.max(1, options.concurrency), ...(dashboard ? { dashboardPort } : {}) });
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
