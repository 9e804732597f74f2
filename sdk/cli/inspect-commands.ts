import type { Command } from 'commander';
import { parseStates, parseTaskSearch } from '../inspect/query.js';
import {
  action,
  CliExit,
  ExitCode,
  openApp,
  output,
  progressBar,
  table,
  withAppOptions,
  withJson,
  withWorkerFunctions,
  type AppCommandOptions,
} from './cli-context.js';

const iso = (date: Date | undefined) => (date ? date.toISOString().replace('T', ' ').slice(0, 23) : '-');

/** `celeriac inspect tasks|queues|registered|schedules|workers`. */
export function registerInspectCommand(program: Command): void {
  const inspect = program.command('inspect').description('read the app’s tasks, queues, registered tasks, schedules and workers');

  withJson(withAppOptions(inspect.command('tasks').description('list tasks, newest first, e.g. celeriac inspect tasks "name:email.* state:FAILURE"')))
    .argument('[search]', 'Flower-like search: name:<glob> state:<S1,S2> since:<time|15m> until:<time> and free text', '')
    .option('--state <states>', 'comma-separated states')
    .option('--limit <n>', 'tasks to list (1–200)', '50')
    .option('--cursor <cursor>', 'the next cursor of an earlier listing')
    .action(
      action(async (search: string, options: AppCommandOptions & { state?: string; limit: string; cursor?: string }) => {
        const { inspector } = await openApp(options);
        const query = parseTaskSearch(search, { customStates: true });
        const limit = Number(options.limit);
        const page = await inspector.listTasks({
          ...query,
          ...(options.state ? { states: parseStates(options.state, { customStates: true }) } : {}),
          limit,
          ...(options.cursor ? { cursor: options.cursor } : {}),
        });
        output(options, page, () =>
          page.tasks.length === 0
            ? 'No tasks match.'
            : table([
                ['STATE', 'TASK', 'ID', 'QUEUE', 'SENT', 'RUNTIME'],
                ...page.tasks.map((t) => [t.state, t.task ?? '-', t.id, t.queue ?? '-', iso(t.sentAt), t.runtimeMs === undefined ? '-' : `${t.runtimeMs}ms`]),
              ]) + (page.next ? `\n\nmore: --cursor ${page.next}` : ''),
        );
      }),
    );

  withJson(withAppOptions(inspect.command('queues').description('counts of every queue and its dead-letter queue'))).action(
    action(async (options: AppCommandOptions) => {
      const { inspector } = await openApp(options);
      const stats = await inspector.queueStats();
      output(options, stats, () =>
        table([
          ['QUEUE', 'WAITING', 'IN FLIGHT', 'DELAYED', 'DEAD LETTERS'],
          ...stats.map((s) => [s.name, String(s.visible), String(s.inFlight), String(s.delayed), String(s.deadLetters)]),
        ]),
      );
    }),
  );

  withJson(withAppOptions(inspect.command('registered').description('the app’s registered tasks'))).action(
    action(async (options: AppCommandOptions) => {
      const { inspector } = await openApp(options);
      const tasks = inspector.registered();
      output(options, tasks, () => table([['TASK', 'QUEUE', 'MAX RETRIES'], ...tasks.map((t) => [t.name, t.queue, String(t.maxRetries)])]));
    }),
  );

  withJson(withAppOptions(inspect.command('schedules').description('the app’s schedules and their next runs'))).action(
    action(async (options: AppCommandOptions) => {
      const { inspector } = await openApp(options);
      const { available, schedules } = await inspector.schedules();
      output(options, { available, schedules }, () =>
        !available
          ? 'This app has no scheduler.'
          : schedules.length === 0
            ? 'No schedules.'
            : table([
                ['NAME', 'TASK', 'WHEN', 'ENABLED', 'NEXT RUN'],
                ...schedules.map((s) => [s.name, s.task ?? '-', `${s.expression} ${s.timezone}`, String(s.enabled), iso(s.nextRuns[0])]),
              ]),
      );
    }),
  );

  withWorkerFunctions(withJson(withAppOptions(inspect.command('workers').description('worker activity per queue over the last hour')))).action(
    action(async (options: AppCommandOptions) => {
      const { inspector } = await openApp(options);
      const workers = await inspector.workers(60);
      const notes = [...new Set(workers.flatMap((w) => (w.sourceNote ? [w.sourceNote] : [])))];
      output(
        options,
        workers,
        () =>
          table([
            ['QUEUE', 'TASKS', 'FAILURES', 'RUNNING', 'AVG', 'SOURCE', 'WORKER'],
            ...workers.map((w) => [
              w.queue,
              String(w.tasks),
              String(w.failures),
              String(w.running),
              w.avgRuntimeMs === undefined ? '-' : `${w.avgRuntimeMs}ms`,
              w.source,
              w.lambda
                ? `${w.lambda.functionName}: ${w.lambda.invocations} invocations, ${w.lambda.errors} errors, avg ${w.lambda.avgDurationMs ?? '-'}ms, max ${w.lambda.maxDurationMs ?? '-'}ms${w.lambda.maxConcurrency !== undefined ? `, peak ${w.lambda.maxConcurrency} concurrent` : ''}`
                : w.local
                  ? `${w.local.invocations} invocations, ${w.local.errors} errors (local runtime)`
                  : '-',
            ]),
          ]) + notes.map((note) => `\n${note}`).join(''),
      );
    }),
  );
}

/** `celeriac purge <queue>`. */
export function registerPurgeCommand(program: Command): void {
  withJson(withAppOptions(program.command('purge').description('delete every message of a queue (or of its dead-letter queue)')))
    .argument('<queue>', 'logical queue name')
    .option('--dead-letters', 'purge the dead-letter queue instead')
    .option('--yes', 'do not ask for confirmation (required when not on a terminal)')
    .action(
      action(async (queue: string, options: AppCommandOptions & { deadLetters?: boolean; yes?: boolean }) => {
        if (!options.yes)
          throw new CliExit(ExitCode.USAGE, `Purging deletes every message of ${queue}${options.deadLetters ? ' (dead letters)' : ''}: add --yes to confirm.`);
        const { inspector } = await openApp(options);
        const bar = progressBar(`purging ${queue}`);
        bar(0, 1);
        await inspector.purge(queue, { deadLetters: options.deadLetters === true });
        bar(1, 1);
        output(options, { purged: queue, deadLetters: options.deadLetters === true }, () => `Purged ${queue}${options.deadLetters ? ' dead letters' : ''}.`);
      }),
    );
}

/** `celeriac dlq list|redrive <queue>`. */
export function registerDlqCommand(program: Command): void {
  const dlq = program.command('dlq').description('dead-letter queues: list (without removing) and redrive');
  withJson(withAppOptions(dlq.command('list').description('list dead letters of a queue, without removing them')))
    .argument('<queue>', 'logical queue name')
    .option('--max <n>', 'most messages to read', '100')
    .action(
      action(async (queue: string, options: AppCommandOptions & { max: string }) => {
        const { inspector } = await openApp(options);
        const messages = await inspector.deadLetters(queue, Number(options.max));
        output(options, messages, () =>
          messages.length === 0
            ? `The dead-letter queue of ${queue} is empty.`
            : table([
                ['MESSAGE ID', 'TASK', 'TASK ID', 'REASON'],
                ...messages.map((m) => [m.messageId, m.task ?? '-', m.taskId ?? '-', `${m.reasonCode}${m.reasonMessage ? `: ${m.reasonMessage}` : ''}`]),
              ]),
        );
      }),
    );
  withJson(withAppOptions(dlq.command('redrive').description('move dead letters back to their queue (all, or --message-id …)')))
    .argument('<queue>', 'logical queue name')
    .option('--message-id <id...>', 'only these messages')
    .action(
      action(async (queue: string, options: AppCommandOptions & { messageId?: string[] }) => {
        const { inspector } = await openApp(options);
        const outcome = await inspector.redrive(queue, {
          ...(options.messageId ? { messageIds: options.messageId } : {}),
          onProgress: progressBar(`redriving ${queue}`),
        });
        output(options, outcome, () =>
          outcome.method === 'move-task' ? `Redrive started: SQS move task ${outcome.taskHandle ?? ''}` : `Moved ${outcome.moved} message(s) back to ${queue}.`,
        );
      }),
    );
}
