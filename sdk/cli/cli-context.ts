import { type Command, Option } from 'commander';
import type { App } from '../core/app.js';
import { createAwsInspector } from '../aws-inspector.js';
import type { Inspector } from '../inspect/inspector.js';
import { WORKER_FUNCTIONS_ENV } from '../core/contract/index.js';
import { connect } from './connect.js';
import { CliExit, ExitCode, exitCodeOf } from './exit-codes.js';

export { CliExit, ExitCode, exitCodeOf } from './exit-codes.js';

/** How `--app` is described in every command's help: the one rule by which commands find the app. */
export const APP_OPTION_HELP = 'module exporting the app (default: CELERIAC_APP_MODULE, else "celeriac": { "app": … } in package.json)';

/** Options every command that reaches the app's resources takes. */
export interface AppCommandOptions {
  /** `--app`: the module exporting the app (else `CELERIAC_APP_MODULE`, else package.json's `celeriac.app`). */
  readonly app?: string;
  readonly endpoint?: string;
  readonly json?: boolean;
  /** Which Lambda function works each queue (`--worker-functions`, `CELERIAC_WORKER_FUNCTIONS`), for worker activity from CloudWatch. */
  readonly workerFunctions?: string;
}

/** Adds `--app` (see {@link APP_OPTION_HELP}) and `--endpoint` (or `AWS_ENDPOINT_URL`) to a command. */
export function withAppOptions(command: Command): Command {
  return command
    .option('--app <module>', APP_OPTION_HELP)
    .option('--endpoint <url>', 'AWS endpoint (default: AWS_ENDPOINT_URL, else the running `celeriac dev` of this directory, else AWS)');
}

/**
 * Adds `--worker-functions` (or `CELERIAC_WORKER_FUNCTIONS`): the deployed worker function's name (the
 * stack's `WorkerFunctionName` output), or `queue=function` pairs, so worker activity comes from its
 * CloudWatch metrics.
 */
export function withWorkerFunctions(command: Command): Command {
  return command.addOption(
    new Option('--worker-functions <spec>', 'the worker Lambda function (or queue=function pairs): worker activity from its CloudWatch metrics').env(
      WORKER_FUNCTIONS_ENV,
    ),
  );
}

/** Adds `--json` to a read command. */
export function withJson(command: Command): Command {
  return command.option('--json', 'print JSON instead of text');
}

/** Loads the app and builds its inspector against the chosen endpoint (see `connect`). */
export async function openApp(options: AppCommandOptions): Promise<{ app: App; inspector: Inspector }> {
  const { app } = await connect(options);
  // Emulators lack SQS's StartMessageMoveTask: redrive there by receive → send → delete.
  const inspector = createAwsInspector(app, {
    redriveMethod: process.env.AWS_ENDPOINT_URL ? 'copy' : 'move-task',
    ...(options.workerFunctions ? { workerFunctions: options.workerFunctions } : {}),
  });
  return { app, inspector };
}

/** Prints `value` as JSON (with `--json`) or as text. */
export function output(options: { json?: boolean }, value: unknown, text: () => string): void {
  console.log(options.json ? JSON.stringify(value, null, 2) : text());
}

/** Runs a command body, turning errors into a message on stderr and an exit code. */
// biome-ignore lint/suspicious/noConfusingVoidType: a command body returns an exit code, or nothing for success
export function action<A extends unknown[]>(body: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    let code: number;
    try {
      code = (await body(...args)) ?? ExitCode.OK;
    } catch (error) {
      code = exitCodeOf(error);
      console.error(`celeriac: ${(error as Error).message ?? String(error)}`);
    }
    // Flush what was printed, then exit: open AWS client sockets must not keep a script waiting.
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
    process.exit(code);
  };
}

/** A one-line progress bar on stderr (only on a terminal). */
export function progressBar(label: string): (done: number, total: number | undefined) => void {
  if (!process.stderr.isTTY) return () => undefined;
  return (done, total) => {
    const width = 30;
    const filled = total ? Math.min(width, Math.round((done / Math.max(1, total)) * width)) : 0;
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}${total !== undefined ? `/${total}` : ''}`);
    if (total !== undefined && done >= total) process.stderr.write('\n');
  };
}

/** Parses a JSON argument, or exits with a usage error naming it. */
export function parseJsonArgument(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliExit(ExitCode.USAGE, `${what} is not JSON (${(error as Error).message}): pass e.g. '[4, 4]'.`);
  }
}

/** Pads cells into aligned columns. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}
