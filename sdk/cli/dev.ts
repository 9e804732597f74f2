import { createWorkerHandler } from '../lambda/index.js';
import { countdownGroupOf, scheduleGroupOf } from '../core/schedule/definition.js';
import { describeTiming } from '../core/schedule/describe.js';
import { startDevEmulator, type DevEmulatorStart } from '../dev/emulator/background.js';
import { applyLocalAwsEnv } from '../dev/emulator/index.js';
import { checkEndpoint } from '../dev/endpoint-check.js';
import { LocalRuntime } from '../dev/local-runtime.js';
import { LocalScheduler } from '../dev/local-scheduler.js';
import { localClients, provisionLocalResources, provisionLocalSchedules } from '../dev/provision.js';
import type { WorkerEvent } from '../worker/events.js';
import { formatWorkerEvent } from '../worker/events.js';
import { startLocalDashboard } from './dashboard-command.js';
import { importUserModule, loadApp } from './load-app.js';

/** Options of `celeriac dev`. */
export interface DevOptions {
  /** Module exporting the app (`export const app = createApp(…)`). */
  readonly app: string;
  /** Module exporting `startServer({ port })`, served beside the worker. */
  readonly serve?: string;
  /** Port of the served module. */
  readonly port: number;
  /** Pollers per queue. */
  readonly concurrency: number;
  /** Port of the dashboard on 127.0.0.1 (0 = any free port); no dashboard when undefined. */
  readonly dashboardPort?: number;
  /**
   * Port of a newly started background emulator (a running one is reused where it is).
   * @default - `CELERIAC_EMULATOR_PORT`, else 4599
   */
  readonly emulatorPort?: number;
  /**
   * Print task results in the worker's log lines, as `logPayloads: true` does for the deployed worker.
   * @default false
   */
  readonly logPayloads?: boolean;
}

/** A running `celeriac dev`. */
export interface DevSession {
  readonly endpoint: string;
  readonly url: string | undefined;
  /** The dashboard's address, when served. */
  readonly dashboardUrl: string | undefined;
  stop(): Promise<void>;
}

type Served = { url: string; close(): Promise<void> };

/**
 * The local runtime: the AWS endpoint (the project's background emulator, started or reused, unless
 * `AWS_ENDPOINT_URL` is set), the app's queues and table on it, the worker handler fed by long-polling,
 * and the app's web service. Stopping it leaves the emulator, and so every queue, message, record and
 * schedule, as they are.
 * @throws {EndpointError} when `AWS_ENDPOINT_URL` does not answer as AWS does.
 * @throws {EmulatorError} when the background emulator cannot be started.
 */
export async function startDev(options: DevOptions, print: (line: string) => void = (l) => console.log(l)): Promise<DevSession> {
  const emulator = await devEndpoint(options, (line) => console.error(line));
  applyLocalAwsEnv(emulator.endpoint);
  let runtime: LocalRuntime | undefined;
  let beat: LocalScheduler | undefined;
  let served: Served | undefined;
  let dashboard: Served | undefined;
  const stop = async () => {
    await beat?.stop();
    await runtime?.stop();
    await served?.close();
    await dashboard?.close();
  };
  try {
    const app = await loadApp(options.app);
    const { sqs, dynamodb } = localClients();
    const queues = await provisionLocalResources(app, { sqs, dynamodb });
    const logPayloads = options.logPayloads ?? false;
    const handler = createWorkerHandler(app, { logPayloads, log: (event) => print(devLogLine(event, logPayloads)) });
    runtime = new LocalRuntime({ app, sqs, handler, queues, concurrency: options.concurrency });
    runtime.start();
    await provisionLocalSchedules(app, { sqs, scheduler: app.scheduler() });
    beat = new LocalScheduler({
      scheduler: app.scheduler(),
      broker: app.broker(),
      groups: [scheduleGroupOf(app.name), countdownGroupOf(app.name)],
      now: () => app.clock.now(),
      log: (line) => print(`[${timestamp()}: INFO/Beat] ${line.replace(/^celeriac scheduler: /, '')}`),
    });
    await beat.start();
    if (options.dashboardPort !== undefined) {
      const local = runtime;
      const pollers = (queue: string) => Math.max(1, Math.min(options.concurrency, app.queue(queue).maxConcurrency ?? options.concurrency));
      dashboard = await startLocalDashboard(app, {
        port: options.dashboardPort,
        localCounters: () => new Map([...local.stats].map(([queue, stats]) => [queue, { ...stats, pollers: pollers(queue) }])),
      });
    }
    if (options.serve) {
      const mod = (await importUserModule(options.serve)) as { startServer?: (o: { port: number }) => Promise<Served> };
      if (typeof mod.startServer !== 'function') throw new Error(`${options.serve} does not export startServer({ port })`);
      served = await mod.startServer({ port: options.port });
    }
    print('');
    print(` -------------- celeriac dev`);
    print(`--- ***** ----- app:       ${app.name}  (${app.taskNames().length} tasks: ${app.taskNames().join(', ')})`);
    print(`-- ******* ---- endpoint:  ${emulator.endpoint}${emulator.embedded ? `  (emulator, pid ${emulator.embedded.record.pid})` : '  (AWS_ENDPOINT_URL)'}`);
    print(`- *** --- * --- results:   ${app.resultsTableName}`);
    print(`- ** ---------- listing:   ${app.listingTableName}  (the dashboard's task list; a batch is listed when it ends)`);
    for (const queue of queues) print(`- ** ---------- queue:     ${queue.name.padEnd(10)} ${queue.url}`);
    print(`--- ***** ----- concurrency: ${options.concurrency} pollers a queue`);
    const listed = await app.schedules.list();
    for (const schedule of listed) {
      const when = schedule.every !== undefined ? describeTiming(schedule) : `${schedule.expression} ${schedule.timezone}`;
      print(`- ** ---------- beat:      ${schedule.name.padEnd(22)} ${when}${schedule.nextRuns[0] ? `, next ${schedule.nextRuns[0].toISOString()}` : ''}`);
    }
    if (listed.length === 0) print(`- ** ---------- beat:      no schedules yet (app.schedule(), app.schedules.create() or \`celeriac schedules add\`)`);
    if (served) {
      print('');
      print(`  Example service: ${served.url}`);
      print(`  Try it:`);
      print(`    curl -s -X POST ${served.url}/emails -H 'content-type: application/json' \\`);
      print(`      -d '{"subject":"Welcome","content":"Hello from celeriac","to":"ada@example.com"}'`);
      print(`    curl -s ${served.url}/tasks/<taskId>`);
    }
    print('');
    if (dashboard) print(`  Dashboard: ${dashboard.url}`);
    return { endpoint: emulator.endpoint, url: served?.url, dashboardUrl: dashboard?.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Where `celeriac dev` talks to, and what it did to get there. */
interface DevEndpoint {
  readonly endpoint: string;
  /** The background emulator, when `AWS_ENDPOINT_URL` is not set. */
  readonly embedded: DevEmulatorStart | undefined;
}

/**
 * `AWS_ENDPOINT_URL` (checked), else the project's background emulator, started or reused. Says
 * plainly which, and whether the state from before is there.
 */
async function devEndpoint(options: DevOptions, log: (line: string) => void): Promise<DevEndpoint> {
  const external = process.env.AWS_ENDPOINT_URL?.trim();
  if (external) {
    const endpoint = external.replace(/\/+$/, '');
    applyLocalAwsEnv(endpoint);
    await checkEndpoint(endpoint);
    return { endpoint, embedded: undefined };
  }
  const started = await startDevEmulator({ log, ...(options.emulatorPort !== undefined ? { port: options.emulatorPort } : {}) });
  for (const line of describeEmulatorStart(started)) log(`celeriac dev: ${line}`);
  return { endpoint: started.record.endpoint, embedded: started };
}

/** What the start-up says about the emulator: reused, started fresh, or restarted (with or without its state). */
export function describeEmulatorStart(started: DevEmulatorStart): string[] {
  const { record } = started;
  if (started.reused) {
    return [
      `reusing the emulator at ${record.endpoint} (pid ${record.pid}, up since ${record.startedAt}): queues, messages, records and schedules are as they were.`,
    ];
  }
  const lines = [
    `started the emulator at ${record.endpoint} (pid ${record.pid}); it keeps running when celeriac dev stops (\`celeriac emulator stop\` stops it).`,
  ];
  const restored = started.restored;
  if (started.previous) {
    lines.push(
      restored && 'savedAt' in restored
        ? `the previous emulator (pid ${started.previous.pid}, started ${started.previous.startedAt}) had stopped: its state saved at ${restored.savedAt.toISOString()} is restored; changes made after that are lost.`
        : `the previous emulator (pid ${started.previous.pid}, started ${started.previous.startedAt}) had stopped and its state could not be restored (${restored && 'reason' in restored ? restored.reason : 'unknown'}): queues, messages, records and schedules from before are gone.`,
    );
  } else if (restored && 'savedAt' in restored) {
    lines.push(`state restored from the snapshot saved at ${restored.savedAt.toISOString()} (when the emulator last stopped).`);
  }
  return lines;
}

/** One worker log line as `celeriac dev` prints it; results only with `logPayloads`. */
export function devLogLine(event: WorkerEvent, logPayloads: boolean, at: Date = new Date()): string {
  const shown =
    event.type === 'succeeded' && !logPayloads && 'result' in event ? { type: event.type, id: event.id, task: event.task, runtimeMs: event.runtimeMs } : event;
  const level = event.type === 'failed' || event.type === 'rejected' || event.type === 'error' || event.type === 'listing-failed' ? 'ERROR' : 'INFO';
  return `[${timestamp(at)}: ${level}/Worker] ${formatWorkerEvent(shown as WorkerEvent)}`;
}

function timestamp(at: Date = new Date()): string {
  return at.toISOString().replace('T', ' ').replace('Z', '');
}
