import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createWorkerHandler } from '../../functions/worker/create-handler.js';
import { LocalRuntime } from '../dev/local-runtime.js';
import { LocalScheduler } from '../dev/local-scheduler.js';
import { provisionLocalResources, provisionLocalSchedules } from '../dev/provision.js';
import { countdownGroupOf, scheduleGroupOf } from '../core/schedule/definition.js';
import { applyLocalAwsEnv, resolveEndpoint } from '../dev/emulator/index.js';
import { formatWorkerEvent } from '../worker/events.js';
import { startLocalDashboard } from './dashboard-command.js';
import { writeDevState } from './connect.js';
import { loadApp } from './load-app.js';

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
 * The local runtime: the AWS endpoint (the embedded emulator unless `AWS_ENDPOINT_URL` is set), the
 * app's queues and table on it, the worker handler fed by long-polling, and the app's web service.
 */
export async function startDev(options: DevOptions, print: (line: string) => void = (l) => console.log(l)): Promise<DevSession> {
  const emulator = await resolveEndpoint({ log: (line) => console.error(line) });
  applyLocalAwsEnv(emulator.endpoint);
  let runtime: LocalRuntime | undefined;
  let beat: LocalScheduler | undefined;
  let served: Served | undefined;
  let dashboard: Served | undefined;
  let forget: (() => Promise<void>) | undefined;
  const stop = async () => {
    await forget?.();
    await beat?.stop();
    await runtime?.stop();
    await served?.close();
    await dashboard?.close();
    await emulator.stop();
  };
  try {
    const app = await loadApp(options.app);
    const sqs = new SQSClient({});
    const dynamodb = new DynamoDBClient({});
    const queues = await provisionLocalResources(app, { sqs, dynamodb });
    const handler = createWorkerHandler(app, { log: (event) => print(`[${timestamp()}: ${event.type === 'failed' || event.type === 'rejected' || event.type === 'error' ? 'ERROR' : 'INFO'}/Worker] ${formatWorkerEvent(event)}`) });
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
    // Other commands in this directory (`celeriac schedules …`) find the embedded emulator's endpoint.
    if (emulator.embedded) forget = await writeDevState(emulator.endpoint);
    if (options.serve) {
      const mod = (await import(pathToFileURL(resolve(options.serve)).href)) as { startServer?: (o: { port: number }) => Promise<Served> };
      if (typeof mod.startServer !== 'function') throw new Error(`${options.serve} does not export startServer({ port })`);
      served = await mod.startServer({ port: options.port });
    }
    print('');
    print(` -------------- celeriac dev`);
    print(`--- ***** ----- app:       ${app.name}  (${app.taskNames().length} tasks: ${app.taskNames().join(', ')})`);
    print(`-- ******* ---- endpoint:  ${emulator.endpoint}${emulator.embedded ? '  (embedded emulator)' : '  (AWS_ENDPOINT_URL)'}`);
    print(`- *** --- * --- results:   ${app.resultsTableName}`);
    for (const queue of queues) print(`- ** ---------- queue:     ${queue.name.padEnd(10)} ${queue.url}`);
    print(`--- ***** ----- concurrency: ${options.concurrency} pollers a queue`);
    const listed = await app.schedules.list();
    for (const schedule of listed) {
      const when = schedule.every !== undefined ? `every ${schedule.every}s` : `${schedule.expression} ${schedule.timezone}`;
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

function timestamp(): string {
  return new Date().toISOString().replace('T', ' ').replace('Z', '');
}
