#!/usr/bin/env node
/**
 * The `celeriac` command line.
 */
import { Command } from 'commander';
import { registerDashboardCommand } from './dashboard-command.js';
import { registerDevCommand } from './dev-command.js';
import { emulatorCommand, envCommand } from './emulator-command.js';
import { initProject, initSummary } from './init.js';
import { registerDlqCommand, registerInspectCommand, registerPurgeCommand } from './inspect-commands.js';
import { registerCallCommand, registerResultCommand, registerRevokeCommand } from './task-commands.js';
import { schedulesCommand } from './schedules.js';

// The AWS SDK's notice that its 2027 releases need Node 22 would print ten lines in every command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const program = new Command().name('celeriac').description('Celery-style task queue for TypeScript on AWS (SQS, Lambda, DynamoDB).').showHelpAfterError();

registerDevCommand(program);
program.addCommand(emulatorCommand());
program.addCommand(envCommand());

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
