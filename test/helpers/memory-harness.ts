import { createCoreApp, type App } from '../../sdk/core/app.js';
import type { AppConfig } from '../../sdk/core/options.js';
import { InMemoryBroker, type ReceivedMessage } from '../../sdk/memory/in-memory-broker.js';
import { InMemoryCoordination } from '../../sdk/memory/in-memory-coordination.js';
import { InMemoryResultBackend } from '../../sdk/memory/in-memory-result-backend.js';
import { InMemoryScheduler } from '../../sdk/memory/in-memory-scheduler.js';
import type { WorkerEvent } from '../../sdk/worker/events.js';
import { Worker, type BatchOptions, type Disposition, type WorkerOptions } from '../../sdk/worker/worker.js';
import { FakeClock } from '../fixtures/clock.js';

/** An app on in-memory adapters sharing one fake clock, and a worker that logs into `events`. */
export interface MemoryHarness {
  readonly app: App;
  readonly broker: InMemoryBroker;
  readonly backend: InMemoryResultBackend;
  readonly coordination: InMemoryCoordination;
  readonly scheduler: InMemoryScheduler;
  readonly clock: FakeClock;
  readonly worker: Worker;
  readonly events: WorkerEvent[];
  /** Physical name of a logical queue (`unit-default`). */
  queueName(logical?: string): string;
  /** Puts a raw body on a queue, as another producer (or a person) would. */
  sendRaw(body: string, logical?: string): Promise<void>;
  /** Receives the visible messages of a queue. */
  receive(logical?: string): ReceivedMessage[];
  /**
   * What Lambda's event source does once: receives the visible messages, runs the worker on each and
   * deletes the acknowledged ones. Returns each message with its disposition.
   */
  deliver(logical?: string, options?: BatchOptions): Promise<{ message: ReceivedMessage; disposition: Disposition }[]>;
  /** Messages of `<queue>-dlq`. */
  deadLetters(logical?: string): ReturnType<InMemoryBroker['messages']>;
}

/**
 * Builds an app named `unit` on in-memory adapters (`createCoreApp({ name: 'unit', transport })`).
 * @example
 * const h = memoryHarness();
 * const add = h.app.task('math.add', async (x: number, y: number) => x + y);
 */
export function memoryHarness(config: Partial<AppConfig> = {}, workerOptions: WorkerOptions = {}): MemoryHarness {
  const clock = new FakeClock();
  const broker = new InMemoryBroker({ clock });
  const backend = new InMemoryResultBackend();
  const coordination = new InMemoryCoordination();
  const scheduler = new InMemoryScheduler({ now: () => clock.now() });
  const app = createCoreApp({ name: 'unit', publishLingerMs: 0, clock, transport: { broker, backend, coordination, scheduler }, ...config });
  const events: WorkerEvent[] = [];
  const worker = new Worker(app, { log: (event) => events.push(event), random: () => 0.5, ...workerOptions });
  const queueName = (logical = app.defaultQueue) => app.queue(logical).queueName;
  const receive = (logical?: string) => broker.receive(queueName(logical));
  return {
    app,
    broker,
    backend,
    coordination,
    scheduler,
    clock,
    worker,
    events,
    queueName,
    receive,
    async sendRaw(body, logical) {
      await broker.sendBatch(queueName(logical), [{ id: 'raw', body, delaySeconds: 0 }]);
    },
    async deliver(logical, options) {
      const messages = receive(logical);
      return Promise.all(
        messages.map(async (message) => {
          const disposition = await worker.processRecord(message, options);
          if (disposition === 'ack') broker.delete(queueName(logical), message.receiptHandle);
          return { message, disposition };
        }),
      );
    },
    deadLetters(logical) {
      return broker.messages(`${queueName(logical)}-dlq`);
    },
  };
}
