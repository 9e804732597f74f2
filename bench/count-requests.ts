/**
 * Counts the AWS requests one task costs, end to end, on the embedded emulator (or AWS_ENDPOINT_URL):
 * producer SQS calls, worker SQS and DynamoDB calls, for 1 task and for 10 sent together.
 * Run: `npm run bench:requests`. Counts are exact (SDK middleware), unlike timings.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createWorkerHandler } from '../functions/worker/create-handler.js';
import { awsTransport, LocalRuntime, provisionLocalResources } from '../sdk/aws/index.js';
import { applyLocalAwsEnv, resolveEndpoint } from '../sdk/emulator/index.js';
import { createApp } from '../sdk/index.js';
import { countRequests } from '../test/helpers/worker-harness.js';

const emulator = await resolveEndpoint();
applyLocalAwsEnv(emulator.endpoint);
const rows: string[] = ['| tasks | producer SQS | worker SQS (besides ReceiveMessage) | worker DynamoDB |', '|---|---|---|---|'];
const show = (counts: Map<string, number>, skip: string[] = []) =>
  [...counts].filter(([name]) => !skip.includes(name)).map(([name, n]) => `${name.replace('Command', '')} ×${n}`).join(', ') || '—';

for (const n of [1, 10]) {
  const name = `count-${n}-${process.pid}`;
  const define = () => {
    const app = createApp({ name });
    return { app, add: app.task('math.add', async (x: number, y: number) => x + y) };
  };
  const producer = define();
  const worker = define();
  const producerSqs = new SQSClient({});
  const workerSqs = new SQSClient({});
  const workerDynamo = new DynamoDBClient({});
  const queues = await provisionLocalResources(producer.app, { sqs: producerSqs, dynamodb: workerDynamo });
  producer.app.useTransport(awsTransport(producer.app, { sqs: producerSqs }));
  worker.app.useTransport(awsTransport(worker.app, { sqs: workerSqs, dynamodb: workerDynamo }));
  const counted = { producer: countRequests(producerSqs), workerSqs: countRequests(workerSqs), workerDynamo: countRequests(workerDynamo) };

  const results = await Promise.all(Array.from({ length: n }, (_, i) => producer.add.delay(i, i)));
  const runtime = new LocalRuntime({ app: worker.app, sqs: workerSqs, handler: createWorkerHandler(worker.app, { log: () => undefined }), queues, concurrency: 1 });
  runtime.start();
  while (!(await Promise.all(results.map((r) => r.ready()))).every(Boolean)) await new Promise((resolve) => setTimeout(resolve, 200));
  await runtime.stop();
  rows.push(`| ${n} | ${show(counted.producer)} | ${show(counted.workerSqs, ['ReceiveMessageCommand'])} | ${show(counted.workerDynamo)} |`);
}
console.log(rows.join('\n'));
console.log('\nReceiveMessage calls are made by the Lambda event source on AWS (long polling), not per task.');
await emulator.stop();
