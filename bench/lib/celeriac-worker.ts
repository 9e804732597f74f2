/**
 * celeriac's worker in the end-to-end bench, in a process of its own as Celery's is: the local runtime
 * (what Lambda's SQS event source does) calling the Lambda handler, which runs the no-op task. It
 * prints `ready` once polling, then `done <task id> <epoch ms>` for each task whose SUCCESS record is
 * written (the handler's `succeeded` event), so the producer can time it and the bench can read this
 * process's CPU time from the OS. Configured from the environment:
 *
 * BENCH_APP_NAME      the app's name (its queues and table exist: the producer provisioned them)
 * BENCH_TASK_OPTIONS  JSON of the task's options (`{}`, `{"listed":false}`, …)
 * BENCH_POLLERS       concurrent invocations of the local runtime
 * AWS_ENDPOINT_URL_SQS  when set, SQS goes there (fauxqs) and DynamoDB stays on AWS_ENDPOINT_URL
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { awsTransport, LocalRuntime, provisionLocalResources } from '../../sdk/aws/index.js';
import { createApp, type TaskOptions } from '../../sdk/index.js';
import { createWorkerHandler } from '../../sdk/lambda/index.js';

const app = createApp({ name: process.env.BENCH_APP_NAME! });
app.task('bench.noop', async () => null, JSON.parse(process.env.BENCH_TASK_OPTIONS ?? '{}') as TaskOptions<[], 'default'>);
const sqs = new SQSClient({
  requestHandler: { socketAcquisitionWarningTimeout: 120_000 },
  ...(process.env.AWS_ENDPOINT_URL_SQS ? { useQueueUrlAsEndpoint: false } : {}),
});
const dynamodb = new DynamoDBClient({});
const queues = await provisionLocalResources(app, { sqs, dynamodb });
app.useTransport(awsTransport(app, { sqs, dynamodb, queueUrls: Object.fromEntries(queues.map((q) => [q.queueName, q.url])) }));
const out: string[] = [];
let flushing = false;
const handler = createWorkerHandler(app, {
  log: (event) => {
    if (event.type !== 'succeeded') return;
    out.push(`done ${event.id} ${Date.now()}\n`);
    if (!flushing) {
      flushing = true;
      setImmediate(() => {
        flushing = false;
        process.stdout.write(out.splice(0).join(''));
      });
    }
  },
});
const runtime = new LocalRuntime({
  app,
  sqs,
  handler,
  queues,
  concurrency: Number(process.env.BENCH_POLLERS ?? 4),
  waitTimeSeconds: 1,
  log: (line) => console.error(line),
});
runtime.start();
console.log('ready');
process.on('SIGTERM', () => {
  void runtime
    .stop()
    .then(() => app.close())
    .finally(() => process.exit(0));
});
