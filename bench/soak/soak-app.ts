/**
 * The app the soak run drives. The task body appends `run <task id> <pid>` to the ledger
 * (`CELERIAC_LEDGER`) before anything else: the side channel that counts body executions. Worker
 * processes load this module, which builds the app from `SOAK_APP_NAME` and
 * `SOAK_WORKER_TIMEOUT_SECONDS`; the soak's own process calls {@link defineSoakApp} with the same values.
 */
import { appendFileSync } from 'node:fs';
import { createApp, currentTask } from '../../sdk/index.js';

/** The failure some soak tasks are designed to end in. */
export class DesignedFailure extends Error {
  override name = 'DesignedFailure';
}

/** Builds the soak app: one queue, one task `soak.work(n, mode)`. */
export function defineSoakApp(name: string, workerTimeoutSeconds: number, ledger: string | undefined) {
  const app = createApp({
    name,
    queues: { default: { batchSize: 10 } },
    worker: { timeoutSeconds: workerTimeoutSeconds },
    publishLingerMs: 5,
  });
  /** Doubles `n` after a short wait (so kills land mid-task); `mode: 'fail'` throws {@link DesignedFailure}. */
  const work = app.task('soak.work', async (n: number, mode: 'ok' | 'fail') => {
    if (ledger) appendFileSync(ledger, `run ${currentTask().id} ${process.pid}\n`);
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 20)));
    if (mode === 'fail') throw new DesignedFailure(`task ${n} fails by design`);
    return n * 2;
  });
  return { app, work };
}

export const { app, work } = defineSoakApp(
  process.env.SOAK_APP_NAME ?? 'soak',
  Number(process.env.SOAK_WORKER_TIMEOUT_SECONDS ?? 5),
  process.env.CELERIAC_LEDGER,
);
