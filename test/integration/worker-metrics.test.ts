import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsTransport } from '../../sdk/aws/transport.js';
import { TaskState } from '../../sdk/core/states.js';
import { createDashboard } from '../../sdk/dashboard/server.js';
import { createAwsInspector } from '../../sdk/aws-inspector.js';
import { useEmulatorEnv } from '../helpers/aws-env.js';
import { provisionThrowawayApp, type ThrowawayResources } from '../helpers/emulator-resources.js';
import { saveAll, taskPopulation } from '../fixtures/task-population.js';

/** AWS/Lambda data points of one function, as Lambda publishes them (dimension FunctionName). */
function lambdaDatum(
  functionName: string,
  metric: string,
  minutesAgo: number,
  datum: Pick<MetricDatum, 'Value' | 'Values' | 'Counts' | 'StatisticValues' | 'Unit'>,
): MetricDatum {
  return { MetricName: metric, Dimensions: [{ Name: 'FunctionName', Value: functionName }], Timestamp: new Date(Date.now() - minutesAgo * 60_000), ...datum };
}

describe('Worker activity from CloudWatch (on the emulator)', () => {
  let res: ThrowawayResources;
  let cloudwatch: CloudWatchClient;
  let worker: string;
  const population = taskPopulation(30, new Date(Date.now() - 120_000), 'unused', 'wm');

  beforeAll(async () => {
    useEmulatorEnv();
    res = await provisionThrowawayApp({ default: {}, exports: {} });
    res.app.useTransport(awsTransport(res.app, { sqs: res.sqs, dynamodb: res.dynamodb }));
    await saveAll(res.app.backend(), population);
    cloudwatch = new CloudWatchClient({});
    worker = `${res.app.name}-Worker`;
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/Lambda',
        MetricData: [
          lambdaDatum(worker, 'Invocations', 3, { Value: 7, Unit: 'Count' }),
          lambdaDatum(worker, 'Invocations', 2, { Value: 5, Unit: 'Count' }),
          lambdaDatum(worker, 'Errors', 2, { Value: 1, Unit: 'Count' }),
          lambdaDatum(worker, 'Duration', 3, { Values: [100, 300], Counts: [5, 2], Unit: 'Milliseconds' }),
          lambdaDatum(worker, 'Duration', 2, { StatisticValues: { SampleCount: 5, Sum: 1_000, Minimum: 40, Maximum: 900 }, Unit: 'Milliseconds' }),
          lambdaDatum(worker, 'ConcurrentExecutions', 3, { Value: 2, Unit: 'Count' }),
          lambdaDatum(worker, 'ConcurrentExecutions', 2, { Value: 3, Unit: 'Count' }),
          // Two hours ago: outside a one-hour window.
          lambdaDatum(worker, 'Invocations', 120, { Value: 1_000, Unit: 'Count' }),
          lambdaDatum(worker, 'Duration', 120, { Value: 60_000, Unit: 'Milliseconds' }),
        ],
      }),
    );
  }, 120_000);
  afterAll(async () => {
    cloudwatch?.destroy();
    await res?.dispose();
  });

  const inspectorWith = (workerFunctions: string, client = cloudwatch) =>
    createAwsInspector(res.app, { sqs: res.sqs, dynamodb: res.dynamodb, redriveMethod: 'copy', workerFunctions, cloudwatch: client });

  it('reads the worker function’s Invocations, Errors, Duration and ConcurrentExecutions over the window', async () => {
    const workers = await inspectorWith(worker).workers(60);
    expect(workers.map((w) => [w.queue, w.source])).toEqual([
      ['default', 'cloudwatch'],
      ['exports', 'cloudwatch'],
    ]);
    // One function serves both queues: both rows show its figures and say so.
    for (const w of workers) {
      expect(w.lambda).toEqual({
        functionName: worker,
        invocations: 12,
        errors: 1,
        avgDurationMs: Math.round((100 * 5 + 300 * 2 + 1_000) / 12),
        maxDurationMs: 900,
        maxConcurrency: 3,
        queues: ['default', 'exports'],
      });
      expect(w.sourceNote).toBeUndefined();
    }
    // Task figures still come from the records.
    const exports = workers.find((w) => w.queue === 'exports')!;
    expect(exports.failures).toBe(population.filter((r) => r.queue === 'exports' && r.state === TaskState.FAILURE).length);
  });

  it('reads only the queues whose function is known, and falls back to the records for the others', async () => {
    const workers = await inspectorWith(`default=${worker}`).workers(60);
    expect(workers.find((w) => w.queue === 'default')).toMatchObject({
      source: 'cloudwatch',
      lambda: { functionName: worker, invocations: 12, queues: ['default'] },
    });
    const exports = workers.find((w) => w.queue === 'exports')!;
    expect(exports.source).toBe('records');
    expect(exports.lambda).toBeUndefined();
    expect(exports.sourceNote).toBeUndefined();
  });

  it('falls back to the records, saying why, when CloudWatch has no data for the function', async () => {
    const idle = `${res.app.name}-Idle`;
    const workers = await inspectorWith(idle).workers(60);
    for (const w of workers) {
      expect(w.source).toBe('records');
      expect(w.lambda).toBeUndefined();
      expect(w.sourceNote).toContain(`no AWS/Lambda data for ${idle}`);
    }
    expect(workers.reduce((n, w) => n + w.tasks, 0)).toBe(population.filter((r) => r.dateDone || r.state === TaskState.RETRY).length);
  });

  it('falls back to the records, saying why, when CloudWatch cannot be reached', async () => {
    // A real client on a port nothing listens on: the call fails as it would without network or permission.
    const unreachable = new CloudWatchClient({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    try {
      const workers = await inspectorWith(worker, unreachable).workers(60);
      expect(workers.map((w) => w.source)).toEqual(['records', 'records']);
      expect(workers[0]!.sourceNote).toMatch(/^CloudWatch GetMetricData failed: /);
    } finally {
      unreachable.destroy();
    }
  });

  it('prefers the local runtime’s counters and asks CloudWatch nothing when there are some', async () => {
    const counters = new Map([['default', { invocations: 4, messages: 9, requeued: 0, errors: 0, pollers: 2 }]]);
    const inspector = createAwsInspector(res.app, { sqs: res.sqs, dynamodb: res.dynamodb, workerFunctions: worker, cloudwatch, localCounters: () => counters });
    const workers = await inspector.workers(60);
    expect(workers.find((w) => w.queue === 'default')).toMatchObject({ source: 'local-runtime', local: { invocations: 4, pollers: 2 } });
    expect(workers.find((w) => w.queue === 'exports')).toMatchObject({ source: 'records' });
    expect(workers.every((w) => w.lambda === undefined && w.sourceNote === undefined)).toBe(true);
  });

  it('shows the source on the Workers page and in GET /api/workers', async () => {
    const dashboard = createDashboard(inspectorWith(worker));
    const api = (await (await dashboard.request('/api/workers')).json()) as { source: string; workers: { source: string }[] };
    expect(api.source).toBe('cloudwatch');
    const page = await (await dashboard.request('/workers')).text();
    expect(page).toContain('from <b>CloudWatch</b>');
    expect(page).toContain(`data-source="cloudwatch"`);
    expect(page).toContain(`${worker}</span>`);
    expect(page).toContain('12 invocations · 1 error ·');

    const fallback = await (await createDashboard(inspectorWith(`${res.app.name}-Idle`)).request('/workers')).text();
    expect(fallback).toContain('<b>task records</b>');
    expect(fallback).toContain('data-source="records"');
    expect(fallback).toContain('no AWS/Lambda data');
  });
});
