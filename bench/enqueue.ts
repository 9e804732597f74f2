import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, DeleteQueueCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { awsTransport } from '../sdk/aws/index.js';
import { provisionLocalResources } from '../sdk/dev/index.js';
import { createApp } from '../sdk/index.js';
import { countRequests, type RequestCounter } from './lib/count-requests.js';
import { deadline, now, removeAppResources, withWorkers, type BenchContext, type SqsTarget } from './lib/context.js';
import { fmt, ratio, type BenchTable } from './lib/report.js';

/** Settings of the enqueue bench. */
export interface EnqueueOptions {
  /** Messages sent each way on each SQS endpoint (at most `motoN` on moto, whose queues slow down as they deepen). */
  readonly n: number;
  readonly motoN: number;
  /** Requests in flight at once for the raw ways. */
  readonly concurrency: number;
  /** Rounds of the three ways; the median round of each is reported. */
  readonly rounds: number;
  readonly timeoutMs: number;
}

interface Way {
  readonly name: string;
  readonly seconds: number;
  readonly requests: string;
}

/** Requests by operation, e.g. `SendMessageBatch 500`. */
function describe(counter: RequestCounter): string {
  return [...counter.requests].map(([op, count]) => `${op} ${fmt(count)}`).join(', ');
}

/** A body like celeriac's envelope for a one-argument task, so all three ways carry the same bytes. */
function body(i: number): string {
  return JSON.stringify({ v: 1, id: randomUUID(), task: 'bench.noop', args: [i], queue: 'default', sentAt: new Date().toISOString() });
}

/** The three ways on one SQS endpoint. */
async function enqueueOn(
  ctx: BenchContext,
  target: SqsTarget,
  n: number,
  concurrency: number,
  roundCount: number,
): Promise<(Way & { fastest: number; slowest: number })[]> {
  const admin = await target.sqs();
  const queueUrl = async (suffix: string) => (await admin.send(new CreateQueueCommand({ QueueName: `${ctx.prefix}-enq-${target.label}-${suffix}` }))).QueueUrl!;
  const naive = async (count: number, url: string): Promise<Way> => {
    const client = await target.sqs();
    const counter = countRequests(client);
    const t0 = now();
    await withWorkers(count, concurrency, async (i) => {
      await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body(i) }));
    });
    return { name: `naive \`SendMessage\` loop, ${concurrency} in flight`, seconds: (now() - t0) / 1000, requests: describe(counter) };
  };
  const batched = async (count: number, url: string): Promise<Way> => {
    const client = await target.sqs();
    const counter = countRequests(client);
    const t0 = now();
    await withWorkers(Math.ceil(count / 10), concurrency, async (b) => {
      const size = Math.min(10, count - b * 10);
      const out = await client.send(
        new SendMessageBatchCommand({ QueueUrl: url, Entries: Array.from({ length: size }, (_, k) => ({ Id: `m${k}`, MessageBody: body(b * 10 + k) })) }),
      );
      if (out.Failed?.length) throw new Error(`SendMessageBatch refused ${out.Failed.length} entries: ${out.Failed[0]?.Code}`);
    });
    return { name: `raw \`SendMessageBatch\` of 10, ${concurrency} in flight`, seconds: (now() - t0) / 1000, requests: describe(counter) };
  };
  let apps = 0;
  const delayed = async (count: number): Promise<Way> => {
    const app = createApp({ name: `${ctx.prefix}-enq-${target.label}-${apps++}` });
    const noop = app.task('bench.noop', async (i: number) => i);
    const client = await target.sqs();
    const dynamodb = new DynamoDBClient({});
    const queues = await provisionLocalResources(app, { sqs: client, dynamodb });
    app.useTransport(awsTransport(app, { sqs: client, dynamodb, queueUrls: Object.fromEntries(queues.map((q) => [q.queueName, q.url])) }));
    const counter = countRequests(client);
    const t0 = now();
    await Promise.all(Array.from({ length: count }, (_, i) => noop.delay(i)));
    const seconds = (now() - t0) / 1000;
    const requests = describe(counter);
    await app.close();
    await removeAppResources(app, queues, client, dynamodb);
    return { name: 'celeriac `delay()` × N, all at once', seconds, requests };
  };

  // Warm-up: connections, credentials, the emulator's code paths.
  const warm = await queueUrl('warm');
  await naive(50, warm);
  await batched(100, warm);
  await delayed(100);
  await admin.send(new DeleteQueueCommand({ QueueUrl: warm }));
  // Rounds alternate the ways, so a neighbour's load on the shared machine falls on all three alike.
  const rounds: Way[][] = [[], [], []];
  for (let round = 1; round <= roundCount; round++) {
    for (const [k, name] of (['naive', 'batch'] as const).entries()) {
      ctx.log(`bench enqueue: ${name} on ${target.label}, ${n} messages, round ${round}/${roundCount}…`);
      const url = await queueUrl(`${name}-${round}`);
      rounds[k]!.push(await (name === 'naive' ? naive(n, url) : batched(n, url)));
      await admin.send(new DeleteQueueCommand({ QueueUrl: url }));
    }
    ctx.log(`bench enqueue: delay() on ${target.label}, ${n} messages, round ${round}/${roundCount}…`);
    rounds[2]!.push(await delayed(n));
  }
  const ways = rounds.map((list) => {
    const sorted = [...list].sort((a, b) => a.seconds - b.seconds);
    const mid = sorted[Math.floor((sorted.length - 1) / 2)]!;
    return { ...mid, fastest: sorted[0]!.seconds, slowest: sorted.at(-1)!.seconds };
  });
  return ways;
}

/**
 * Bench 1: N messages three ways on one endpoint: SendMessage one by one (C in flight), raw
 * SendMessageBatch of 10 (C in flight) and celeriac's `delay()` called N times at once; on moto and,
 * when given, on a faster SQS emulator.
 */
export async function benchEnqueue(ctx: BenchContext, options: EnqueueOptions): Promise<BenchTable> {
  const rows: string[][] = [];
  const notes: string[] = [];
  const run = async () => {
    for (const target of ctx.sqsTargets) {
      const n = target.label === 'moto' ? Math.min(options.n, options.motoN) : options.n;
      const ways = await enqueueOn(ctx, target, n, options.concurrency, options.rounds);
      const [naive, limit, delay] = ways.map((w) => ({ ...w, rate: n / w.seconds }));
      if (!naive || !limit || !delay) throw new Error('enqueue: a way is missing');
      for (const w of [naive, limit, delay]) {
        rows.push([
          target.label,
          fmt(n),
          w.name,
          fmt(w.rate),
          `${fmt(n / w.slowest)}–${fmt(n / w.fastest)}`,
          ratio(w.rate, limit.rate),
          ratio(w.rate, naive.rate),
          w.requests,
        ]);
      }
      notes.push(
        `${target.label}: \`delay()\` ${ratio(delay.rate, limit.rate)} raw batched (target ≥ 0.9×), ${ratio(delay.rate, naive.rate)} naive (target ≥ 5×)`,
      );
    }
  };
  await deadline(run(), options.timeoutMs, 'bench enqueue');
  return {
    title: '1. Enqueue: the same messages three ways, per SQS endpoint',
    header: ['SQS endpoint', 'messages', 'way', 'msgs/s (median round)', 'range', 'vs raw batched (the limit)', 'vs naive', 'requests'],
    rows,
    notes: [
      ...notes,
      `${options.rounds} rounds, the three ways alternating, each on an empty queue of its own, after a warm-up; bodies are the same size (an envelope of a one-argument task); requests counted in the SDK`,
      "moto's per-message cost grows with queue depth and dominates per-request cost, so on moto batching gains little; fauxqs shows the request-bound case",
      ...(ctx.sqsTargets.some((target) => target.label === 'localstack')
        ? ["localstack: LocalStack's SQS (Python, no Docker) through `AWS_ENDPOINT_URL_SQS`"]
        : []),
    ],
  };
}
