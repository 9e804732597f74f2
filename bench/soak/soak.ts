/**
 * The soak run: N tasks through the local runtime's workers, each worker its own process, every AWS
 * call going through a fault proxy, while the run kills workers mid-task (SIGKILL) and restarts
 * them, re-sends envelopes (duplicate deliveries), cuts the endpoint for seconds at a time and
 * throttles a fraction of calls. Task bodies count their executions in an append-only ledger; the
 * final records are read straight from the emulator. See `bench/soak/main.ts` for the command.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { DynamoDBClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { provisionLocalResources, type ProvisionedQueue } from '../../sdk/dev/provision.js';
import { DEAD_LETTER_ATTRIBUTES } from '../../sdk/aws/sqs-broker.js';
import { decodeResultItem } from '../../sdk/aws/result-item.js';
import { awsTransport } from '../../sdk/aws/transport.js';
import type { Broker, OutgoingMessage, SendOutcome, TaskRecord } from '../../sdk/core/index.js';
import { EnqueueError } from '../../sdk/core/errors.js';
import { FaultProxy } from '../../test/faults/fault-proxy.js';
import { rebaseUrl, WorkerProcess } from '../../test/faults/worker-process.js';
import { analyse, LedgerReader, type SoakOptions, type SoakReport } from './analysis.js';
import { startLockedEmulator } from './locked-emulator.js';
import { defineSoakApp } from './soak-app.js';

export type { RunViolation, SoakOptions, SoakReport } from './analysis.js';

const SOAK_APP_MODULE = fileURLToPath(new URL('./soak-app.ts', import.meta.url));

/** Defaults of the full run. */
export const FULL_SOAK: Omit<SoakOptions, 'dir'> = {
  tasks: 100_000,
  workers: 4,
  concurrency: 3,
  workerTimeoutSeconds: 5,
  killEveryMs: 60_000,
  cutEveryMs: 120_000,
  cutMs: [1_000, 4_000],
  throttleFraction: 0.01,
  unavailableFraction: 0.005,
  latencyFraction: 0.05,
  latencyMs: 50,
  duplicateFraction: 0.02,
  failEvery: 200,
  poisonEvery: 1_000,
  maxBacklog: 200,
  lanes: 24,
  drainTimeoutMs: 240_000,
};

/** Sends a fraction of the envelopes a second time, a few seconds later, straight to the queue. */
class DuplicatingBroker implements Broker {
  injected = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly inner: Broker,
    private readonly fraction: number,
    private readonly resend: (queueName: string, body: string, delayMs: number) => Promise<void>,
  ) {}

  get maxMessageBytes(): number {
    return this.inner.maxMessageBytes;
  }

  async sendBatch(queueName: string, messages: readonly OutgoingMessage[]): Promise<readonly SendOutcome[]> {
    const outcomes = await this.inner.sendBatch(queueName, messages);
    messages.forEach((message, i) => {
      if (outcomes[i]?.ok && Math.random() < this.fraction) {
        const sending = this.resend(queueName, message.body, Math.random() * 8_000)
          .then(() => {
            this.injected += 1;
          })
          .catch(() => undefined)
          .finally(() => this.pending.delete(sending));
        this.pending.add(sending);
      }
    });
    return outcomes;
  }

  changeVisibility(source: string, receiptHandle: string, timeoutSeconds: number): Promise<void> {
    return this.inner.changeVisibility(source, receiptHandle, timeoutSeconds);
  }

  deadLetter(...args: Parameters<Broker['deadLetter']>): Promise<void> {
    return this.inner.deadLetter(...args);
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const between = ([min, max]: readonly [number, number]) => min + Math.random() * (max - min);

/** Runs one soak and returns what it measured. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  mkdirSync(options.dir, { recursive: true });
  const runId = `soak-${randomBytes(4).toString('hex')}`;
  const ledgerPath = join(options.dir, `${runId}.ledger`);
  const killLogPath = join(options.dir, `${runId}.kills.jsonl`);
  writeFileSync(ledgerPath, '');
  writeFileSync(killLogPath, '');

  // Two emulator processes, one for SQS and one for DynamoDB (moto is single-core bound), each with
  // moto's races that AWS does not have locked (see locked-emulator.ts).
  const emulators = options.endpoint ? [] : await Promise.all([startLockedEmulator(), startLockedEmulator()]);
  const endpoint = options.endpoint ?? emulators[0]!.endpoint;
  const dynamodbEndpoint = options.endpoint ?? emulators[1]!.endpoint;
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const region = 'us-east-1';
  const directSqs = new SQSClient({ endpoint, region, credentials });
  const directDynamo = new DynamoDBClient({ endpoint: dynamodbEndpoint, region, credentials });
  const proxy = await FaultProxy.start({ target: endpoint, dynamodbTarget: dynamodbEndpoint });
  const proxiedSqs = new SQSClient({ endpoint: proxy.endpoint, region, credentials });
  const proxiedDynamo = new DynamoDBClient({ endpoint: proxy.endpoint, region, credentials });

  const appEnv = { SOAK_APP_NAME: runId, SOAK_WORKER_TIMEOUT_SECONDS: String(options.workerTimeoutSeconds) };
  const { app, work } = defineSoakApp(runId, options.workerTimeoutSeconds, undefined);

  const workers: WorkerProcess[] = [];
  const kills: { pid: number; atMs: number }[] = [];
  const cuts: { atMs: number; ms: number }[] = [];
  let produced = false;
  let produceMs = 0;
  const counters = { next: 0, enqueued: 0, poison: 0, enqueueRetries: 0, enqueueFailed: 0 };
  const reader = new LedgerReader(ledgerPath);
  let queues: ProvisionedQueue[] = [];
  let duplicating: DuplicatingBroker | undefined;
  const workerEnv = { ...appEnv, AWS_REGION: region, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };
  const startWorker = async (): Promise<void> => {
    // A worker that fails to start (the machine is overloaded) is retried rather than ending the run.
    for (let attempt = 1; ; attempt++) {
      try {
        workers.push(await startOneWorker());
        return;
      } catch (error) {
        log(`${runId}: a worker process failed to start (attempt ${attempt}): ${(error as Error).message}`);
        if (attempt >= 5) throw error;
        await sleep(1_000 * attempt);
      }
    }
  };
  const startOneWorker = async () => {
    const worker = await WorkerProcess.start({
      appModule: SOAK_APP_MODULE,
      endpoint: proxy.endpoint,
      queues,
      ledger: ledgerPath,
      concurrency: options.concurrency,
      env: workerEnv,
      stderrFile: join(options.dir, `${runId}.workers.log`),
    });
    return worker;
  };

  try {
    queues = await provisionLocalResources(app, { sqs: directSqs, dynamodb: directDynamo });
    const queue = queues[0]!;
    const proxiedUrls = Object.fromEntries(
      queues.flatMap((q) => [
        [q.queueName, rebaseUrl(q.url, proxy.endpoint)],
        [`${q.queueName}-dlq`, rebaseUrl(q.deadLetterUrl, proxy.endpoint)],
      ]),
    );
    const transport = awsTransport(app, { sqs: proxiedSqs, dynamodb: proxiedDynamo, queueUrls: proxiedUrls });
    duplicating = new DuplicatingBroker(transport.broker, options.duplicateFraction, async (_queueName, body, delayMs) => {
      await sleep(delayMs);
      await directSqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }));
    });
    app.useTransport({ broker: duplicating, backend: transport.backend, coordination: transport.coordination });

    await Promise.all(Array.from({ length: options.workers }, () => startWorker()));
    proxy.set({
      throttleFraction: options.throttleFraction,
      unavailableFraction: options.unavailableFraction,
      latencyFraction: options.latencyFraction,
      latencyMs: options.latencyMs,
    });
    log(
      `${runId}: ${options.tasks} tasks, ${options.workers} worker processes × ${options.concurrency} pollers, emulator ${endpoint}, proxy ${proxy.endpoint}`,
    );

    // Faults: kills and cuts on their own timers while the producer runs.
    const faultLoops: Promise<void>[] = [];
    if (options.killEveryMs > 0) {
      faultLoops.push(
        (async () => {
          while (!produced && kills.length < (options.maxKills ?? Number.POSITIVE_INFINITY)) {
            await sleep(options.killEveryMs * (0.5 + Math.random()));
            if (produced) break;
            const live = workers.filter((w) => w.alive);
            const victim = live[Math.floor(Math.random() * live.length)];
            if (!victim) continue;
            const atMs = Date.now() - started;
            await victim.kill();
            kills.push({ pid: victim.pid, atMs });
            writeFileSync(killLogPath, `${JSON.stringify({ pid: victim.pid, atMs, signal: 'SIGKILL' })}\n`, { flag: 'a' });
            await startWorker();
          }
        })(),
      );
    }
    if (options.cutEveryMs > 0) {
      faultLoops.push(
        (async () => {
          while (!produced && cuts.length < (options.maxCuts ?? Number.POSITIVE_INFINITY)) {
            await sleep(options.cutEveryMs * (0.5 + Math.random()));
            if (produced) break;
            const ms = Math.round(between(options.cutMs));
            cuts.push({ atMs: Date.now() - started, ms });
            proxy.cut(ms);
            await sleep(ms);
          }
        })(),
      );
    }

    // Progress.
    const progress = setInterval(() => {
      reader.poll();
      const elapsed = (Date.now() - started) / 1000;
      log(
        `${runId}: ${elapsed.toFixed(0)} s: enqueued ${counters.enqueued}, finished ${reader.ledger.done.size}, ` +
          `executions ${[...reader.ledger.runs.values()].reduce((a, b) => a + b, 0)}, kills ${kills.length}, cuts ${cuts.length}, ` +
          `throttled ${proxy.stats.throttled + proxy.stats.unavailable}, enqueue retries ${counters.enqueueRetries}`,
      );
    }, 10_000);
    const ledgerTimer = setInterval(() => reader.poll(), 200);

    // The producer: lanes share one counter; each waits while the backlog is full.
    const expectedIds: string[] = [];
    const poisonIds = new Set<string>();
    const designedIds = new Set<string>();
    const lane = async () => {
      for (;;) {
        if (options.stopProducingAt !== undefined && Date.now() >= options.stopProducingAt) return;
        const n = counters.next++;
        if (n >= options.tasks) return;
        while (counters.enqueued - reader.ledger.done.size > options.maxBacklog) await sleep(20);
        const id = `${runId}-${n}`;
        expectedIds.push(id);
        if (options.poisonEvery > 0 && n % options.poisonEvery === options.poisonEvery - 1) {
          poisonIds.add(id);
          const body = JSON.stringify({ v: 1, id, task: 'soak.retired', args: [n] });
          for (;;) {
            try {
              await proxiedSqs.send(new SendMessageCommand({ QueueUrl: rebaseUrl(queue.url, proxy.endpoint), MessageBody: body }));
              break;
            } catch {
              counters.enqueueRetries += 1;
              await sleep(300);
            }
          }
          counters.poison += 1;
          counters.enqueued += 1;
          continue;
        }
        const mode = options.failEvery > 0 && n % options.failEvery === 0 ? 'fail' : 'ok';
        if (mode === 'fail') designedIds.add(id);
        for (;;) {
          try {
            await work.applyAsync([n, mode], { taskId: id });
            counters.enqueued += 1;
            break;
          } catch (error) {
            if (error instanceof EnqueueError && error.retryable) {
              counters.enqueueRetries += 1;
              await sleep(300);
              continue;
            }
            counters.enqueueFailed += 1;
            log(`${runId}: enqueue of ${id} failed for good: ${(error as Error).message}`);
            break;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: options.lanes }, () => lane()));
    produceMs = Date.now() - started;
    // Every kind of fault asked for happens at least once, even in a run that enqueues everything
    // before its first kill or cut comes (each comes within 1.5 intervals).
    const faultDeadline = Date.now() + 2 * Math.max(options.killEveryMs, options.cutEveryMs);
    while (Date.now() < faultDeadline && ((options.killEveryMs > 0 && kills.length === 0) || (options.cutEveryMs > 0 && cuts.length === 0))) {
      await sleep(100);
    }
    produced = true;
    await Promise.all(faultLoops);
    proxy.clear();
    await duplicating.settled();
    log(`${runId}: all ${counters.enqueued} enqueued in ${(produceMs / 1000).toFixed(1)} s; faults stopped; draining`);

    const drainDeadline = Date.now() + options.drainTimeoutMs;
    while (Date.now() < drainDeadline) {
      reader.poll();
      if (expectedIds.every((id) => reader.ledger.done.has(id))) break;
      await sleep(500);
    }
    clearInterval(progress);
    clearInterval(ledgerTimer);
    await Promise.all(workers.map((w) => w.stop()));
    reader.poll();

    // Final records, read straight from the emulator.
    const records = new Map<string, TaskRecord>();
    let startKey: ScanCommandOutput['LastEvaluatedKey'];
    do {
      const page: ScanCommandOutput = await directDynamo.send(new ScanCommand({ TableName: app.resultsTableName, ExclusiveStartKey: startKey }));
      for (const item of page.Items ?? []) {
        const record = decodeResultItem(item);
        records.set(record.id, record);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const deadLetterList = await readDeadLetters(directSqs, queue.deadLetterUrl);
    const deadLettersByReason: Record<string, { messages: number; tasks: number }> = {};
    for (const [reason, ids] of deadLetterList) deadLettersByReason[reason] = { messages: ids.length, tasks: new Set(ids).size };
    const deadLetters = [...deadLetterList.values()].reduce((sum, ids) => sum + ids.length, 0);

    return analyse({
      options,
      started,
      produceMs,
      counters,
      expectedIds,
      poisonIds,
      designedIds,
      records,
      ledger: reader.ledger,
      kills,
      cuts,
      deadLetters,
      deadLettersByReason,
      duplicatesInjected: duplicating.injected,
      proxy: { ...proxy.stats },
    });
  } finally {
    produced = true;
    await Promise.allSettled(workers.map((w) => w.kill()));
    await app.close().catch(() => undefined);
    await proxy.close();
    for (const client of [directSqs, directDynamo, proxiedSqs, proxiedDynamo]) client.destroy();
    await Promise.all(emulators.map((e) => e.stop()));
  }
}

/**
 * Every message of a dead-letter queue, read once (each stays invisible for the rest of the run),
 * grouped by reason: task ids by the worker's `celeriac-error-code`, or `MAX_RECEIVE_COUNT` when SQS
 * moved the message itself.
 */
async function readDeadLetters(sqs: SQSClient, url: string): Promise<Map<string, string[]>> {
  const byReason = new Map<string, string[]>();
  for (let empty = 0; empty < 3; ) {
    const page = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 3600, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
    );
    const messages = page.Messages ?? [];
    empty = messages.length ? 0 : empty + 1;
    for (const message of messages) {
      const reason = message.MessageAttributes?.[DEAD_LETTER_ATTRIBUTES.code]?.StringValue ?? 'MAX_RECEIVE_COUNT';
      const id = message.MessageAttributes?.[DEAD_LETTER_ATTRIBUTES.taskId]?.StringValue ?? `sqs-${message.MessageId}`;
      byReason.set(reason, [...(byReason.get(reason) ?? []), id]);
    }
  }
  return byReason;
}
