#!/usr/bin/env node
/**
 * The `celeriac` command line.
 */
import { Command } from 'commander';
import { registerDashboardCommand } from './dashboard-command.js';
import { registerDevCommand } from './dev-command.js';
import { emulatorCommand, envCommand } from './emulator-command.js';
import { registerDlqCommand, registerInspectCommand, registerPurgeCommand } from './inspect-commands.js';
import { registerCallCommand, registerResultCommand, registerRevokeCommand } from './task-commands.js';
import { schedulesCommand } from './schedules.js';

// The AWS SDK's notice that its 2027 releases need Node 22 would print ten lines in every command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const program = new Command()
  .name('celeriac')
  .description('Celery-style task queue for TypeScript on AWS (SQS, Lambda, DynamoDB).')
  .showHelpAfterError();

registerDevCommand(program);
program.addCommand(emulatorCommand());
program.addCommand(envCommand());
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
