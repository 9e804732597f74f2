import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countdownGroupOf } from '../../sdk/core/schedule/definition.js';
import { createAwsInspector } from '../../sdk/aws-inspector.js';
import { createApp, currentTask } from '../../sdk/index.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { celeryEnv, runCeleryScript } from '../helpers/celery-venv.js';
import { createHarness, uniqueAppName, type Harness } from '../helpers/worker-harness.js';

// A Python Celery 5.7 client (test/celery/client.py) sends onto celeriac's queue and reads results
// with Celery's own DynamoDB backend pointed at celeriac's table (celeryCompat).
const endpoint = useEmulatorEnv();

const app = createApp({ name: uniqueAppName('celery-in'), queues: { default: {} }, worker: { timeoutSeconds: 5 }, celeryCompat: true });
const attempts = new Map<string, number>();
app.task('math.add', async (x: number, y: number) => x + y);
app.task('math.mul', async (x: number, y: number) => x * y);
app.task('email.send', async (to: string, message: { subject: string; body: string }) => `sent to ${to}: ${message.subject} / ${message.body}`);
app.task('math.sqrt', async (x: number) => {
  if (x < 0) throw new RangeError(`math domain error: sqrt(${x})`);
  return Math.sqrt(x);
});
app.task('slow.sleep', async (seconds: number) => {
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return seconds;
});
app.task('flaky.once', async (key: string) => {
  const attempt = (attempts.get(key) ?? 0) + 1;
  attempts.set(key, attempt);
  if (attempt === 1) currentTask().retry({ countdownSeconds: 1, cause: new Error('first attempt times out') });
  return attempt;
});

let h: Harness;
let outcome: Record<string, unknown>;

beforeAll(async () => {
  h = await createHarness(app);
  h.startWorker({ concurrency: 4 });
  const env = celeryEnv(endpoint, { CELERY_QUEUE: 'default', CELERY_QUEUE_URL: h.queue('default').url, CELERY_RESULT_TABLE: app.resultsTableName });
  outcome = JSON.parse(await runCeleryScript('client.py', ['40'], env, 90_000)) as Record<string, unknown>;
}, 150_000);

afterAll(async () => {
  await h?.dispose();
});

describe('a Python Celery client on a celeriac worker', () => {
  it('gets 8 from send_task("math.add", (4, 4)).get()', () => {
    expect(outcome.add).toEqual({ returned: 8 });
  });

  it('passes Chinese kwargs through and reads the result back', () => {
    expect(outcome.email).toEqual({ returned: 'sent to x@qq.com: 主题 / 你好，世界' });
  });

  it('honours a countdown', () => {
    expect(outcome.countdown).toEqual({ returned: 3 });
    expect(outcome.countdown_seconds).toBeGreaterThanOrEqual(2.5);
  });

  it('reports REVOKED for an expired task and raises TaskRevokedError', () => {
    expect(outcome.expired_state).toBe('REVOKED');
    expect(outcome.expired_is_revoked_error).toBe(true);
  });

  it('runs a link= callback with the result first, and a chain in order', () => {
    expect(outcome.linked).toEqual({ returned: 5 });
    expect(outcome.linked_child).toEqual({ returned: 50 });
    expect(outcome.chain).toEqual({ returned: 90 });
  });

  it('raises ValueError for a task failing with RangeError, exc_message as the args', () => {
    expect(outcome.failing_state).toBe('FAILURE');
    expect(outcome.failing).toEqual({ raised: 'builtins.ValueError', args: ['math domain error: sqrt(-1)'] });
  });

  it('reports STARTED while a task runs and RETRY between attempts', () => {
    expect(outcome.slow_states).toContain('STARTED');
    expect((outcome.slow_states as string[]).at(-1)).toBe('SUCCESS');
    expect(outcome.flaky_states).toContain('RETRY');
    expect(outcome.flaky).toEqual({ returned: 2 });
  });

  it('refuses a chord header it cannot join: the client raises NotImplementedError saying why, the messages are dead-lettered', async () => {
    const header = outcome.chord_header as { raised: string; args: string[] }[];
    expect(header).toHaveLength(2);
    for (const member of header) {
      expect(member.raised).toBe('builtins.NotImplementedError');
      expect(member.args[0]).toMatch(/Celery chord header .*celeriac does not update/);
    }
    expect(await h.deadLetters('default', 2)).toHaveLength(2);
  });

  it('hands a countdown of an hour to a one-time schedule: nothing left in flight on the queue', async () => {
    const ids = outcome.ids as { far: string };
    expect(outcome.far_state).toBe('PENDING');
    const schedules = await app.scheduler().list(countdownGroupOf(app.name));
    const far = schedules.find((s) => s.input?.includes(ids.far));
    expect(far?.expression).toMatch(/^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/);
    const at = Date.parse(`${far!.expression.slice(3, -1)}Z`);
    expect(Math.abs(at - (Date.now() + 3600_000))).toBeLessThan(120_000);
    const { Attributes } = await h.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: h.queue('default').url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    expect(Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible)).toBe(0);
  });

  it('lists and shows Celery-originated tasks in the inspect API (the CLI and the dashboard read it) like any other', async () => {
    const ids = outcome.ids as { add: string; email: string; failing: string };
    const inspector = createAwsInspector(app, { sqs: h.sqs, dynamodb: h.dynamodb });
    const page = await inspector.listTasks({ limit: 100 });
    expect(page.tasks.map((t) => t.id)).toEqual(expect.arrayContaining([ids.add, ids.email, ids.failing]));
    expect(await inspector.getTask(ids.add)).toMatchObject({ state: 'SUCCESS', task: 'math.add', result: 8, queue: 'default' });
    expect((await inspector.listTasks({ text: '主题' })).tasks.map((t) => t.id)).toContain(ids.email);
    expect(await app.asyncResult(ids.failing).state()).toBe('FAILURE');
  });
});
