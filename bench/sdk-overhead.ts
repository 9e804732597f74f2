import { createCoreApp } from '../sdk/core/app.js';
import type { Broker, OutgoingMessage, SendOutcome } from '../sdk/core/ports/broker.js';
import { InMemoryResultBackend } from '../sdk/memory/in-memory-result-backend.js';
import { Worker, type QueueRecord } from '../sdk/worker/worker.js';
import type { BenchContext } from './lib/context.js';
import { fmt, type BenchTable } from './lib/report.js';

/** Settings of the SDK-overhead bench. */
export interface OverheadOptions {
  /** Tasks enqueued and run. */
  readonly n: number;
}

/** A broker that keeps what it is sent and does nothing else: the floor under the publisher. */
class RecordingBroker implements Broker {
  readonly maxMessageBytes = 1_048_576;
  readonly sent: { queue: string; message: OutgoingMessage }[] = [];
  async sendBatch(queue: string, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    for (const message of messages) this.sent.push({ queue, message });
    return messages.map((m) => ({ ok: true as const, messageId: m.id }));
  }
  async changeVisibility(): Promise<void> {}
  async deadLetter(): Promise<void> {}
}

function cpuMicros(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

/** Figures of one pass. */
export interface Overhead {
  readonly enqueueCpuUs: number;
  readonly enqueueWallUs: number;
  readonly workerCpuUs: number;
  readonly workerWallUs: number;
}

/** Measures CPU µs a task of the enqueue path and of the worker's claim → run → record path, in memory. */
export async function measureOverhead(n: number): Promise<Overhead> {
  const broker = new RecordingBroker();
  const backend = new InMemoryResultBackend();
  const app = createCoreApp({ name: 'bench-overhead', transport: { broker, backend } });
  const add = app.task('math.add', async (x: number, y: number) => x + y);
  const worker = new Worker(app, { log: () => undefined });
  const chunk = 1_000;

  let cpu = process.cpuUsage();
  let wall = performance.now();
  for (let i = 0; i < n; i += chunk) {
    await Promise.all(Array.from({ length: Math.min(chunk, n - i) }, (_, k) => add.delay(i + k, 1)));
  }
  const enqueueCpuUs = cpuMicros(cpu) / n;
  const enqueueWallUs = ((performance.now() - wall) * 1000) / n;

  const arn = `arn:aws:sqs:us-east-1:000000000000:${app.queue(app.defaultQueue).queueName}`;
  const records: QueueRecord[] = broker.sent.map(({ message }, i) => ({
    messageId: `m-${i}`,
    receiptHandle: `r-${i}`,
    body: message.body,
    eventSourceARN: arn,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
  }));
  cpu = process.cpuUsage();
  wall = performance.now();
  for (let i = 0; i < records.length; i += 10) {
    const response = await worker.processBatch(records.slice(i, i + 10));
    if (response.batchItemFailures.length) throw new Error('a task failed in the overhead bench');
  }
  const workerCpuUs = cpuMicros(cpu) / n;
  const workerWallUs = ((performance.now() - wall) * 1000) / n;
  await app.close();
  return { enqueueCpuUs, enqueueWallUs, workerCpuUs, workerWallUs };
}

/** Bench 5: our own code's CPU per task, with in-memory ports (no emulator, no network). */
export async function benchOverhead(ctx: BenchContext, options: OverheadOptions): Promise<BenchTable> {
  ctx.log(`bench sdk-overhead: ${options.n} tasks in memory…`);
  await measureOverhead(Math.min(2_000, options.n)); // warm-up: JIT
  const m = await measureOverhead(options.n);
  return {
    title: `5. SDK overhead: ${fmt(options.n)} tasks, in-memory ports`,
    header: ['path', 'CPU µs / task', 'wall µs / task'],
    rows: [
      ['enqueue: `delay()` → envelope → batching publisher → broker port', fmt(m.enqueueCpuUs, 1), fmt(m.enqueueWallUs, 1)],
      ['worker: decode → look up → validate → claim → run → record (batches of 10)', fmt(m.workerCpuUs, 1), fmt(m.workerWallUs, 1)],
    ],
    notes: [
      "the broker records messages and the result backend is the in-memory one: the floor of celeriac's own code, independent of any emulator; CPU = user + system time of this process",
    ],
  };
}
