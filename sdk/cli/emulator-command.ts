import { Command, InvalidArgumentError, Option } from 'commander';
import {
  DEFAULT_EMULATOR_PORT,
  devEmulatorStatus,
  EMULATOR_PORT_ENV,
  resetDevEmulator,
  startDevEmulator,
  stopDevEmulator,
} from '../dev/emulator/background.js';
import { awsEnvFor, devAwsEnv, formatShellEnv } from '../dev/env.js';
import { findProjectRoot } from '../dev/project-root.js';
import { describeEmulatorStart } from './dev.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new InvalidArgumentError('expected a port from 1 to 65535');
  return n;
}

/** Runs a command body; errors become one line on stderr and exit 1. */
// biome-ignore lint/suspicious/noConfusingVoidType: a command body returns an exit code, or nothing for success
function run(body: () => Promise<number | void>): () => Promise<void> {
  return async () => {
    let code = 0;
    try {
      code = (await body()) ?? 0;
    } catch (error) {
      console.error(`celeriac: ${(error as Error).message ?? String(error)}`);
      code = 1;
    }
    process.exit(code);
  };
}

/**
 * `celeriac emulator start | stop | status | reset`: the project's background AWS emulator (moto), the one
 * `celeriac dev` starts and reuses, kept in `.celeriac/` at the project root.
 */
export function emulatorCommand(): Command {
  const command = new Command('emulator').description(
    `the project’s background AWS emulator (moto on 127.0.0.1:${DEFAULT_EMULATOR_PORT} unless told otherwise), which celeriac dev starts and outlives`,
  );
  command
    .command('start')
    .description('start it (or say that it runs), restoring the state it saved when it last stopped')
    .addOption(new Option('--port <port>', `port on 127.0.0.1 (default ${DEFAULT_EMULATOR_PORT})`).env(EMULATOR_PORT_ENV).argParser(port))
    .action((options: { port?: number }) =>
      run(async () => {
        const started = await startDevEmulator({ log: (line) => console.error(line), ...(options.port !== undefined ? { port: options.port } : {}) });
        for (const line of describeEmulatorStart(started)) console.log(line);
      })(),
    );
  command
    .command('stop')
    .description('stop it; its state is saved first and restored at the next start (reset drops it)')
    .action(() =>
      run(async () => {
        const stopped = await stopDevEmulator();
        if (!stopped.stopped) return console.log('No emulator is running in this project.');
        console.log(
          `Stopped the emulator (pid ${stopped.record!.pid}); ${stopped.saved ? 'its state is saved for the next start.' : 'its state could not be saved: see .celeriac/emulator.log.'}`,
        );
      })(),
    );
  command
    .command('status')
    .description('whether it runs, where, since when; exit 0 when it runs, 3 when not')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      run(async () => {
        const status = await devEmulatorStatus();
        if (options.json) console.log(JSON.stringify({ projectRoot: findProjectRoot(), ...status }, null, 2));
        else if (status.running)
          console.log(`running at ${status.record.endpoint} (pid ${status.record.pid}, moto ${status.record.moto}, since ${status.record.startedAt})`);
        else console.log(`not running: ${status.reason}.`);
        return status.running ? 0 : 3;
      })(),
    );
  command
    .command('reset')
    .description('empty it: every queue, message, table, record and schedule is gone, and so is its saved state')
    .option('--yes', 'confirm')
    .action((options: { yes?: boolean }) =>
      run(async () => {
        if (!options.yes) {
          console.error('celeriac: reset deletes every queue, message, record and schedule of the emulator: add --yes.');
          return 2;
        }
        const { running } = await resetDevEmulator();
        console.log(
          running
            ? 'The emulator is empty (celeriac dev creates the app’s queues and table again at its next start).'
            : 'Saved state deleted; no emulator was running.',
        );
      })(),
    );
  return command;
}

/** `celeriac env`: the variables that point the AWS CLI, boto3 or a script at the dev emulator, for `eval`. */
export function envCommand(): Command {
  return new Command('env')
    .description('print the export lines that point the AWS CLI, boto3 and scripts at the dev emulator: eval "$(npx celeriac env)"')
    .option('--endpoint <url>', 'print them for this endpoint instead of the running emulator')
    .option('--json', 'print JSON')
    .action((options: { endpoint?: string; json?: boolean }) =>
      run(async () => {
        const env = options.endpoint ? awsEnvFor(options.endpoint) : await devAwsEnv();
        console.log(options.json ? JSON.stringify(env, null, 2) : formatShellEnv({ ...env }));
      })(),
    );
}
