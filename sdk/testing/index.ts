/**
 * `celeriac/testing`: run an app's tasks in process, on in-memory ports and a virtual clock, with
 * the real worker (Celery: `task_always_eager`, but with the worker's semantics: retries and their
 * countdowns, canvas, revoke, expiry, rate limits, poison messages to the dead-letter queue).
 * @example
 * import { useTestTransport } from 'celeriac/testing';
 * import { app, add } from '../src/tasks.js';
 *
 * const env = useTestTransport(app);
 * const result = await add.delay(2, 2);
 * expect(await result.get()).toBe(4); // waiting runs the queued tasks
 * @module celeriac/testing
 */
import type { App } from '../core/app.js';
import type { Clock } from '../core/ports/clock.js';
import type { WorkerEvent } from '../worker/events.js';
import { Worker, type WorkerOptions } from '../worker/worker.js';
import { InMemoryBroker, type StoredMessage } from '../memory/in-memory-broker.js';
import { InMemoryResultBackend } from '../memory/in-memory-result-backend.js';
import { InMemoryScheduler } from '../memory/in-memory-scheduler.js';

/** Options of {@link useTestTransport}. */
export interface TestTransportOptions {
  /**
   * Start of virtual time, epoch milliseconds.
   * @default - the real time when called
   */
  readonly startMs?: number;
  /**
   * Options of the worker (its `log` defaults to collecting events in `env.events`).
   * @default - events collected, no console output
   */
  readonly worker?: WorkerOptions;
}

/**
 * A clock whose time only moves when something waits: `sleep(ms)` first runs the tasks due now, then
 * moves time forward to the next due message (running it) until `ms` have passed. A retry due in
 * three minutes therefore runs at once, in order, with `now()` three minutes later.
 */
export class VirtualClock implements Clock {
  private pumping = false;

  constructor(
    private time: number,
    private readonly env: () => TestEnvironment,
  ) {}

  now(): number {
    return this.time;
  }

  async sleep(ms: number): Promise<void> {
    const target = this.time + Math.max(0, ms);
    if (this.pumping) {
      // Inside a task or the worker (a rate-limit wait): time passes, nothing else runs meanwhile.
      this.time = target;
      return;
    }
    await this.drive(async () => {
      const env = this.env();
      for (;;) {
        await env.runDue();
        const next = env.nextDueMs();
        if (next === undefined || next > target) break;
        this.time = Math.max(this.time, next);
      }
      this.time = Math.max(this.time, target);
    });
  }

  /** Runs `fn` as the one driver of the queues: sleeps inside it only move time. */
  async drive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.pumping) return fn();
    this.pumping = true;
    try {
      return await fn();
    } finally {
      this.pumping = false;
    }
  }

  /** Moves time forward without running anything. */
  advance(ms: number): void {
    this.time += ms;
  }
}

/** The in-memory ports, virtual clock and worker an app runs on under test. */
export interface TestEnvironment {
  readonly broker: InMemoryBroker;
  readonly backend: InMemoryResultBackend;
  /** Holds schedules and countdowns beyond 15 minutes (not fired in eager mode). */
  readonly scheduler: InMemoryScheduler;
  readonly clock: VirtualClock;
  readonly worker: Worker;
  /** Every worker event, in order (`succeeded`, `failed`, `retry`, `deferred`, `revoked`…). */
  readonly events: WorkerEvent[];
  /** Runs every message due now, as the worker would, until none is left. Returns how many ran. */
  runDue(): Promise<number>;
  /**
   * Runs everything queued, moving virtual time to each delayed message (countdowns, retries),
   * until the queues are empty or `maxVirtualMs` passed.
   */
  runUntilIdle(options?: { readonly maxVirtualMs?: number }): Promise<void>;
  /** Epoch ms at which the next queued message becomes due, or undefined when none is queued. */
  nextDueMs(): number | undefined;
  /** Messages in a queue's dead-letter queue (logical name; the default queue when omitted). */
  deadLetters(queue?: string): readonly StoredMessage[];
}

/**
 * Puts `app` on in-memory ports and a virtual clock, with the real `Worker` running its tasks
 * whenever the test waits (`result.get()`, `env.runUntilIdle()`). Call it once per test (or in
 * `beforeEach`) for a clean state.
 * @example
 * const env = useTestTransport(app);
 * const result = await charge.delay('order-1');
 * await expect(result.get()).rejects.toThrow('card declined');
 * expect(env.events.filter((e) => e.type === 'retry')).toHaveLength(3);
 */
export function useTestTransport(app: App, options: TestTransportOptions = {}): TestEnvironment {
  let env: TestEnvironment;
  const clock = new VirtualClock(options.startMs ?? Date.now(), () => env);
  const broker = new InMemoryBroker({ clock });
  const backend = new InMemoryResultBackend();
  const scheduler = new InMemoryScheduler({ now: () => clock.now() });
  const events: WorkerEvent[] = [];
  app.useTransport({ broker, backend, scheduler });
  app.useClock(clock);
  const worker = new Worker(app, { log: (event) => events.push(event), ...options.worker });
  const queues = () => [...app.queues.values()];

  const runDue = async (): Promise<number> => {
    let ran = 0;
    for (;;) {
      await app.close(); // messages sent by tasks are in the queues before the next round
      let round = 0;
      for (const queue of queues()) {
        for (const message of broker.receive(queue.queueName, 10)) {
          round += 1;
          if (Number(message.attributes.ApproximateReceiveCount) > queue.maxReceiveCount) {
            // What SQS's redrive policy does.
            await broker.deadLetter(message.eventSourceARN, {
              body: message.body,
              messageId: message.messageId,
              reason: { code: 'MaxReceiveCount', message: `received more than ${queue.maxReceiveCount} times` },
            });
            broker.delete(queue.queueName, message.receiptHandle);
            continue;
          }
          const disposition = await worker.processRecord(message);
          if (disposition === 'ack') broker.delete(queue.queueName, message.receiptHandle);
        }
      }
      await app.close();
      if (round === 0) return ran;
      ran += round;
    }
  };

  env = {
    broker,
    backend,
    scheduler,
    clock,
    worker,
    events,
    runDue() {
      return clock.drive(runDue);
    },
    async runUntilIdle(runOptions = {}) {
      const limit = clock.now() + (runOptions.maxVirtualMs ?? 7 * 86_400_000);
      await clock.drive(async () => {
        for (;;) {
          await runDue();
          const next = env.nextDueMs();
          if (next === undefined || next > limit) return;
          clock.advance(Math.max(0, next - clock.now()));
        }
      });
    },
    nextDueMs() {
      let next: number | undefined;
      for (const queue of queues()) {
        for (const message of broker.messages(queue.queueName)) {
          if (next === undefined || message.visibleAt < next) next = message.visibleAt;
        }
      }
      return next;
    },
    deadLetters(queue = app.defaultQueue) {
      return broker.messages(`${app.queue(queue).queueName}-dlq`);
    },
  };
  return env;
}
