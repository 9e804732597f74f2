import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ProvisionedQueue } from '../../sdk/dev/provision.js';

const WORKER_MAIN = fileURLToPath(new URL('./worker-main.ts', import.meta.url));

/** Options of {@link WorkerProcess.start}. */
export interface WorkerProcessOptions {
  /** Path of the module exporting the `app` whose tasks the worker runs. */
  readonly appModule: string;
  /** AWS endpoint the worker talks to (e.g. a fault proxy). */
  readonly endpoint: string;
  /** The queues to poll; their URLs are rewritten to `endpoint`. */
  readonly queues: readonly ProvisionedQueue[];
  /** Append-only ledger file the worker writes to. */
  readonly ledger: string;
  /**
   * Pollers per queue.
   * @default 2
   */
  readonly concurrency?: number;
  /**
   * Extra environment variables (the app module's settings).
   * @default - none
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * File the worker's stderr is appended to.
   * @default - discarded
   */
  readonly stderrFile?: string;
}

/** Points a queue URL at another endpoint (same path). */
export function rebaseUrl(url: string, endpoint: string): string {
  const parsed = new URL(url);
  const base = new URL(endpoint);
  parsed.protocol = base.protocol;
  parsed.host = base.host;
  return parsed.toString();
}

/**
 * One local-runtime worker in its own Node process (`test/faults/worker-main.ts`), to be killed with a
 * real signal mid-task and replaced.
 * @example
 * const worker = await WorkerProcess.start({ appModule, endpoint: proxy.endpoint, queues, ledger });
 * worker.kill(); // SIGKILL: whatever it was running is cut off
 */
export class WorkerProcess {
  private readonly exited: Promise<void>;

  private constructor(
    readonly child: ChildProcess,
    private readonly stderr: WriteStream | undefined,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** Starts a worker process and resolves once it polls. */
  static async start(options: WorkerProcessOptions): Promise<WorkerProcess> {
    const queues = options.queues.map((q) => ({ ...q, url: rebaseUrl(q.url, options.endpoint), deadLetterUrl: rebaseUrl(q.deadLetterUrl, options.endpoint) }));
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER_MAIN], {
      env: {
        ...process.env,
        ...options.env,
        AWS_ENDPOINT_URL: options.endpoint,
        CELERIAC_APP_MODULE: options.appModule,
        CELERIAC_QUEUES: JSON.stringify(queues),
        CELERIAC_LEDGER: options.ledger,
        CELERIAC_CONCURRENCY: String(options.concurrency ?? 2),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stderr = options.stderrFile ? createWriteStream(options.stderrFile, { flags: 'a' }) : undefined;
    if (stderr) child.stderr?.pipe(stderr, { end: false });
    else child.stderr?.resume();
    const worker = new WorkerProcess(child, stderr);
    const ready = new Promise<void>((resolve, reject) => {
      let text = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('ready')) resolve();
      });
      child.once('exit', (code, signal) => reject(new Error(`worker process exited before it was ready (code ${code}, signal ${signal})`)));
    });
    await ready;
    return worker;
  }

  /** The process id. */
  get pid(): number {
    return this.child.pid!;
  }

  /** True until the process has exited. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Kills the process with SIGKILL (no clean-up runs) and resolves once it is gone. */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
    this.stderr?.end();
  }

  /** Asks the process to stop (SIGTERM: finishes its invocations) and resolves once it is gone; SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.alive) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    this.stderr?.end();
  }
}
