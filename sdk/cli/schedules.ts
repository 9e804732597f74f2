import { Command, InvalidArgumentError } from 'commander';
import { ScheduleNotFoundError } from '../core/errors.js';
import type { ScheduleOptions } from '../core/schedule/definition.js';
import { describeTiming, formatInZone } from '../core/schedule/describe.js';
import type { ScheduleInfo } from '../core/schedule/schedules.js';
import { connect, type ConnectOptions } from './connect.js';
import { exitCodeOf } from './exit-codes.js';
import { APP_OPTION_HELP } from './cli-context.js';

type Common = ConnectOptions & { json?: boolean };

/**
 * `celeriac schedules list | show | add | pause | resume | rm`: the app's schedules on EventBridge
 * Scheduler (or the endpoint of `celeriac dev`), with their next runs.
 */
export function schedulesCommand(): Command {
  const command = new Command('schedules')
    .description('list, show, add, pause, resume and remove the app’s periodic schedules (EventBridge Scheduler)')
    .option('--app <module>', APP_OPTION_HELP)
    .option('--endpoint <url>', 'AWS endpoint (default: AWS_ENDPOINT_URL, else the running `celeriac dev`, else AWS)');

  const common = (sub: Command) => ({ ...(command.opts() as ConnectOptions), ...(sub.opts() as { json?: boolean }) });

  command
    .command('list')
    .description('the schedules of the app’s group (declared, created at run time, or by hand), with their next run')
    .option('--json', 'print JSON')
    .option('--countdowns', 'list the pending countdowns beyond 15 minutes instead')
    .action(async (_: unknown, sub: Command) =>
      run(common(sub), async ({ app, json }) => {
        const countdowns = Boolean((sub.opts() as { countdowns?: boolean }).countdowns);
        const all = countdowns ? await app.schedules.listCountdowns() : await app.schedules.list();
        if (json) return print(all.map(toJson));
        if (all.length === 0) {
          return console.log(
            countdowns ? 'No pending countdowns.' : `No schedules in group "${app.name}". Add one with app.schedule() in code, or \`celeriac schedules add\`.`,
          );
        }
        table(
          countdowns ? ['NAME', 'TASK', 'DUE (UTC)', 'ARGS'] : ['NAME', 'TASK', 'WHEN', 'TIME ZONE', 'STATE', 'NEXT RUN', 'ARGS'],
          all.map((s) =>
            countdowns
              ? [s.name, s.task ?? '?', s.nextRuns[0] ? localTime(s.nextRuns[0], 'UTC') : '-', args(s)]
              : [s.name, s.task ?? '?', when(s), s.timezone, state(s), s.nextRuns[0] ? localTime(s.nextRuns[0], s.timezone) : '-', args(s)],
          ),
        );
        const broken = countdowns ? [] : all.filter((s) => s.problem);
        if (broken.length) {
          console.log('');
          for (const s of broken) console.log(`${s.name} is BROKEN: ${s.problem}`);
        }
      }),
    );

  command
    .command('show <name>')
    .description('one schedule: its task, timing, Input problems and next five runs')
    .option('--json', 'print JSON')
    .action(async (name: string, _: unknown, sub: Command) =>
      run(common(sub), async ({ app, json }) => {
        const info = await app.schedules.get(name);
        if (!info) throw new ScheduleNotFoundError(`No schedule "${name}" in group "${app.name}": see \`celeriac schedules list\`.`);
        if (json) return print(toJson(info));
        const lines: [string, string][] = [
          ['name', `${info.group}/${info.name}${info.declared ? '  (declared in code)' : ''}`],
          ['task', info.task ?? '?'],
          ['args', args(info)],
          ['when', `${when(info)}  (${info.expression}, ${info.timezone})`],
          ['state', state(info)],
          ['queue', info.queueName ?? '-'],
          ['expires', info.expiresSeconds !== undefined ? `${info.expiresSeconds}s after each run's time` : 'never'],
          ['description', info.description ?? '-'],
          ['next runs', info.nextRuns.map((d) => localTime(d, info.timezone)).join('\n             ') || '-'],
        ];
        if (info.problem) lines.push(['problem', info.problem]);
        for (const [key, value] of lines) console.log(`${key.padEnd(12)} ${value}`);
      }),
    );

  command
    .command('add <name> <task>')
    .description('create a schedule at run time (same checks as app.schedule())')
    .option('--every <interval>', 'interval: seconds or a duration such as 3s, 10m, 1h')
    .option('--cron <crontab>', '5-field crontab such as "30 7 * * 1", or cron(…) in Scheduler form')
    .option('--args <json>', 'positional arguments, a JSON array', parseJson, [])
    .option('--kwargs <json>', 'keyword arguments, a JSON object', parseJson)
    .option('--timezone <tz>', 'IANA time zone of the crontab (default: the app’s)')
    .option('--expires <seconds>', 'drop a run not started this many seconds after its time', parsePositive)
    .option('--description <text>', 'shown in the console and here')
    .option('--queue <queue>', 'queue of the runs (default: the task’s)')
    .option('--paused', 'create it paused')
    .option('--json', 'print JSON')
    .action(async (name: string, task: string, _: unknown, sub: Command) =>
      run(common(sub), async ({ app, json }) => {
        const o = sub.opts() as {
          every?: string;
          cron?: string;
          args: unknown;
          kwargs?: unknown;
          timezone?: string;
          expires?: number;
          description?: string;
          queue?: string;
          paused?: boolean;
        };
        if (!Array.isArray(o.args)) throw new InvalidArgumentError('--args must be a JSON array, e.g. \'["ops@shop.example"]\'');
        const options = {
          ...(o.every !== undefined ? { every: o.every } : {}),
          ...(o.cron !== undefined ? { cron: o.cron } : {}),
          args: o.args,
          ...(o.kwargs !== undefined ? { kwargs: o.kwargs } : {}),
          ...(o.timezone ? { timezone: o.timezone } : {}),
          ...(o.expires !== undefined ? { expires: o.expires } : {}),
          ...(o.description ? { description: o.description } : {}),
          ...(o.queue ? { queue: o.queue } : {}),
          enabled: !o.paused,
        } as ScheduleOptions;
        const info = await app.schedules.create(name, task, options);
        if (json) return print(toJson(info));
        console.log(
          `Created ${info.group}/${info.name}: ${info.task} ${when(info)}; next run ${info.nextRuns[0] ? localTime(info.nextRuns[0], info.timezone) : '-'}`,
        );
      }),
    );

  for (const [verb, enabled] of [
    ['pause', false],
    ['resume', true],
  ] as const) {
    command
      .command(`${verb} <name>`)
      .description(`${enabled ? 'resume' : 'pause'} a schedule (its Input is kept as it is)`)
      .option('--json', 'print JSON')
      .action(async (name: string, _: unknown, sub: Command) =>
        run(common(sub), async ({ app, json }) => {
          const info = enabled ? await app.schedules.enable(name) : await app.schedules.disable(name);
          if (json) return print(toJson(info));
          console.log(`${info.group}/${info.name} is ${state(info)}${info.nextRuns[0] ? `; next run ${localTime(info.nextRuns[0], info.timezone)}` : ''}`);
        }),
      );
  }

  command
    .command('rm <name>')
    .description('delete a schedule (one declared in code comes back with the next deploy)')
    .option('--json', 'print JSON')
    .action(async (name: string, _: unknown, sub: Command) =>
      run(common(sub), async ({ app, json }) => {
        const deleted = await app.schedules.delete(name);
        if (!deleted) throw new ScheduleNotFoundError(`No schedule "${name}" in group "${app.name}".`);
        if (json) return print({ deleted: name });
        console.log(`Deleted ${app.name}/${name}`);
      }),
    );

  return command;
}

async function run(options: Common, body: (context: { app: Awaited<ReturnType<typeof connect>>['app']; json: boolean }) => Promise<void>): Promise<void> {
  try {
    const { app } = await connect(options);
    await body({ app, json: Boolean(options.json) });
  } catch (error) {
    console.error(`celeriac schedules: ${(error as Error).message}`);
    process.exitCode = exitCodeOf(error);
  }
}

function toJson(info: ScheduleInfo) {
  return { ...info, nextRuns: info.nextRuns.map((d) => d.toISOString()) };
}

function print(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

function when(info: ScheduleInfo): string {
  return describeTiming(info);
}

function state(info: ScheduleInfo): string {
  if (info.problem) return info.enabled ? 'BROKEN' : 'paused, BROKEN';
  return info.enabled ? 'enabled' : 'paused';
}

function args(info: ScheduleInfo): string {
  const text = JSON.stringify(Object.keys(info.kwargs).length ? [...info.args, info.kwargs] : info.args);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `2026-11-23 07:30:00` in the schedule's time zone. */
function localTime(date: Date, timezone: string): string {
  return formatInZone(date, timezone);
}

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new InvalidArgumentError(`not JSON: ${value}`);
  }
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number of seconds > 0');
  return n;
}
