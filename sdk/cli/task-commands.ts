import type { Command } from 'commander';
import { isReadyState, TaskState } from '../core/states.js';
import { action, CliExit, ExitCode, openApp, output, parseJsonArgument, withAppOptions, withJson, type AppCommandOptions } from './cli-context.js';

/** `celeriac call <task> [args]`: sends a task. */
export function registerCallCommand(program: Command): void {
  withJson(withAppOptions(program.command('call').description('send a task, e.g. celeriac call math.add "[4, 4]"')))
    .argument('<task>', 'registered task name')
    .argument('[args]', 'positional arguments as a JSON array', '[]')
    .option('--countdown <seconds>', 'seconds before it runs (0–900)')
    .option('--queue <queue>', 'queue to send it to (default: the task’s)')
    .action(
      action(async (name: string, argsText: string, options: AppCommandOptions & { countdown?: string; queue?: string }) => {
        const { app } = await openApp(options);
        const args = parseJsonArgument(argsText, 'args');
        if (!Array.isArray(args)) throw new CliExit(ExitCode.USAGE, `args must be a JSON array, e.g. '[4, 4]'; received ${argsText}`);
        const task = app.getTask(name);
        const countdown = options.countdown === undefined ? undefined : Number(options.countdown);
        const result = await task.applyAsync(args as never, {
          ...(countdown !== undefined ? { countdownSeconds: countdown } : {}),
          ...(options.queue ? { queue: options.queue } : {}),
        });
        await app.close();
        output(options, { id: result.id, task: name }, () => result.id);
      }),
    );
}

/** `celeriac result <id> [--wait]`: a task's state and result; the exit code tells the state. */
export function registerResultCommand(program: Command): void {
  withJson(withAppOptions(program.command('result').description('show a task’s state and result (exit 0 SUCCESS, 1 FAILURE/REVOKED, 3 unknown, 4 timed out)')))
    .argument('<id>', 'task id')
    .option('--wait', 'wait until the task is ready')
    .option('--timeout <seconds>', 'with --wait: give up after this long (exit 4)', '60')
    .action(
      action(async (id: string, options: AppCommandOptions & { wait?: boolean; timeout: string }) => {
        const { inspector } = await openApp(options);
        const deadline = Date.now() + Number(options.timeout) * 1000;
        let record = await inspector.getTask(id);
        while (options.wait && !(record && isReadyState(record.state))) {
          if (Date.now() >= deadline) {
            output(options, { id, state: record?.state ?? TaskState.PENDING, timedOut: true }, () => `${id} ${record?.state ?? TaskState.PENDING} (timed out)`);
            return ExitCode.TIMEOUT;
          }
          await new Promise((resolve) => setTimeout(resolve, 500));
          record = await inspector.getTask(id);
        }
        if (!record) {
          output(options, { id, state: TaskState.PENDING, exists: false }, () => `${id} PENDING (no record: unknown, or still queued)`);
          return ExitCode.NOT_FOUND;
        }
        output(options, record, () => {
          const lines = [`${record.id} ${record.state}  ${record.task ?? ''}`];
          if (record.result !== undefined) lines.push(JSON.stringify(record.result, null, 2));
          if (record.error) lines.push(`${record.error.type}: ${record.error.message}`, ...(record.error.stack ? [record.error.stack] : []));
          return lines.join('\n');
        });
        return record.state === TaskState.FAILURE || record.state === TaskState.REVOKED ? ExitCode.FAILED : ExitCode.OK;
      }),
    );
}

/** `celeriac revoke <id>`. */
export function registerRevokeCommand(program: Command): void {
  withJson(withAppOptions(program.command('revoke').description('revoke a task that has not finished: a worker that receives it will not run it')))
    .argument('<id>', 'task id')
    .option('--reason <text>', 'why, kept in the record')
    .action(
      action(async (id: string, options: AppCommandOptions & { reason?: string }) => {
        const { inspector } = await openApp(options);
        const outcome = await inspector.revoke(id, options.reason);
        output(options, { id, ...outcome }, () => (outcome.revoked ? `${id} REVOKED` : `${id} not revoked: already ${outcome.state}`));
        return outcome.revoked ? ExitCode.OK : ExitCode.FAILED;
      }),
    );
}
