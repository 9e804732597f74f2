/**
 * A local-runtime worker as its own process, so a fault harness can kill it with a real signal.
 * Settings come from the environment (see {@link WorkerProcessEnv}); it writes one ledger line per
 * finished, duplicate or errored message to `CELERIAC_LEDGER` (append-only), prints `ready` on
 * stdout once polling, and stops cleanly on SIGTERM.
 */
import { appendFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createWorkerHandler } from '../../sdk/lambda/index.js';
import { LocalRuntime } from '../../sdk/dev/local-runtime.js';
import type { ProvisionedQueue } from '../../sdk/dev/provision.js';
import { awsTransport } from '../../sdk/aws/transport.js';
import type { App } from '../../sdk/core/app.js';
import type { WorkerEvent } from '../../sdk/worker/events.js';

/** Environment variables a worker process reads. */
export interface WorkerProcessEnv {
  /** Path of the module that exports the `app`. */
  readonly CELERIAC_APP_MODULE: string;
  /** JSON array of the provisioned queues (URLs already pointing at the endpoint to use). */
  readonly CELERIAC_QUEUES: string;
  /** Append-only ledger file. */
  readonly CELERIAC_LEDGER: string;
  /** Pollers per queue. */
  readonly CELERIAC_CONCURRENCY: string;
  /** The AWS endpoint (the fault proxy). */
  readonly AWS_ENDPOINT_URL: string;
}

const env = process.env as unknown as WorkerProcessEnv;
const ledger = env.CELERIAC_LEDGER;
const pid = process.pid;

function record(event: WorkerEvent): void {
  switch (event.type) {
    case 'succeeded':
    case 'failed':
    case 'revoked':
      appendFileSync(ledger, `done ${event.id} ${pid} ${event.type}\n`);
      break;
    case 'rejected':
      appendFileSync(ledger, `done ${event.id ?? `msg-${event.messageId}`} ${pid} rejected\n`);
      break;
    case 'duplicate':
      appendFileSync(ledger, `dup ${event.id} ${pid}\n`);
      break;
    case 'error':
      if (event.id) appendFileSync(ledger, `unrecorded ${event.id} ${pid}\n`);
      appendFileSync(ledger, `err ${event.messageId.replace(/\s+/g, '_')} ${pid} ${(event.error.code ?? event.error.type).replace(/\s+/g, '_')}\n`);
      process.stderr.write(`worker ${pid}: ${event.error.type}: ${event.error.message}\n`);
      break;
    default:
      break;
  }
}

const { app } = (await import(pathToFileURL(env.CELERIAC_APP_MODULE).href)) as { app: App };
const queues = JSON.parse(env.CELERIAC_QUEUES) as ProvisionedQueue[];
const sqs = new SQSClient({});
const dynamodb = new DynamoDBClient({});
const queueUrls = Object.fromEntries(
  queues.flatMap((q) => [
    [q.queueName, q.url],
    [`${q.queueName}-dlq`, q.deadLetterUrl],
  ]),
);
app.useTransport(awsTransport(app, { sqs, dynamodb, queueUrls }));
const handler = createWorkerHandler(app, { log: record });
const runtime = new LocalRuntime({
  app,
  sqs,
  handler,
  queues,
  concurrency: Number(env.CELERIAC_CONCURRENCY || 2),
  waitTimeSeconds: 1,
  log: (line) => process.stderr.write(`worker ${pid}: ${line}\n`),
});
runtime.start();
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void runtime.stop().then(() => process.exit(0));
});
