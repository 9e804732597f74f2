import { CreateQueueCommand, DeleteQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, TaskError } from '../../sdk/index.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { celeryEnv, startCeleryWorker } from '../helpers/celery-venv.js';
import { createHarness, uniqueAppName, type Harness } from '../helpers/worker-harness.js';

// celeriac calls tasks a real Celery 5.7 worker (`celery -A remote_worker worker -P solo`) runs, and
// reads what the worker's DynamoDB backend writes into the app's table (celeryCompat).
const endpoint = useEmulatorEnv();

const app = createApp({ name: uniqueAppName('celery-out'), queues: { default: {} }, celeryCompat: true });
const celeryQueue = `${app.name}-celery-reports`;
const render = app.remoteTask<[string], { report: string; pages: number }>('reports.render', { protocol: 'celery', queue: celeryQueue, celeryQueue: 'reports' });
const lookup = app.remoteTask<[string], never>('reports.lookup', { protocol: 'celery', queue: celeryQueue, celeryQueue: 'reports' });

let h: Harness;
let worker: Awaited<ReturnType<typeof startCeleryWorker>> | undefined;
let celeryQueueUrl: string | undefined;

beforeAll(async () => {
  h = await createHarness(app);
  // The Celery side's queue, as its own deployment would create it (kombu never creates a predefined queue).
  celeryQueueUrl = (await h.sqs.send(new CreateQueueCommand({ QueueName: celeryQueue, Attributes: { VisibilityTimeout: '60' } }))).QueueUrl!;
  worker = await startCeleryWorker('remote_worker', 'reports', celeryEnv(endpoint, { CELERY_QUEUE: 'reports', CELERY_QUEUE_URL: celeryQueueUrl, CELERY_RESULT_TABLE: app.resultsTableName }));
}, 150_000);

afterAll(async () => {
  await worker?.stop();
  if (celeryQueueUrl) await h.sqs.send(new DeleteQueueCommand({ QueueUrl: celeryQueueUrl })).catch(() => undefined);
  await h?.dispose();
});

describe('celeriac calling a Celery worker', () => {
  it('gets the result of a task the Celery worker ran, kwargs included', async () => {
    const result = await render.applyAsync(['quarterly'], { kwargs: { fmt: 'pdf' } });
    try {
      expect(await result.get({ timeoutMs: 60_000 })).toEqual({ report: 'quarterly.pdf', pages: 9 });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- celery worker\n${worker?.output.join('').slice(-4000)}`);
    }
    expect(await result.state()).toBe('SUCCESS');
  }, 90_000);

  it("raises the Celery task's exception, by its Python type and message", async () => {
    const result = await lookup.delay('missing-key');
    const error = await result.get({ timeoutMs: 30_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect(error).toMatchObject({ name: 'KeyError', message: 'missing-key' });
    expect(await result.state()).toBe('FAILURE');
  }, 60_000);
});
