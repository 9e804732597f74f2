import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { WorkerMetricsError } from '../core/errors.js';
import type { FunctionMetrics, WorkerMetrics } from '../core/ports/inspection.js';
import { translateAwsError } from './aws-error.js';

/** Options of {@link CloudWatchWorkerMetrics}. */
export interface CloudWatchWorkerMetricsOptions {
  readonly client: CloudWatchClient;
  /**
   * How long one `GetMetricData` call may take before the caller falls back to the task records.
   * @default 5000
   */
  readonly timeoutMs?: number;
}

/** The statistics asked of each function: name in the query id, metric, statistic. */
const QUERIES = [
  ['invocations', 'Invocations', 'Sum'],
  ['errors', 'Errors', 'Sum'],
  ['durationSum', 'Duration', 'Sum'],
  ['durationCount', 'Duration', 'SampleCount'],
  ['durationMax', 'Duration', 'Maximum'],
  ['concurrency', 'ConcurrentExecutions', 'Maximum'],
] as const;

type Stat = (typeof QUERIES)[number][0];

/**
 * The worker functions' AWS/Lambda metrics, read with one `GetMetricData` call for every function:
 * `Invocations` and `Errors` (sum), `Duration` (sum and sample count for an exact average, and
 * maximum) and `ConcurrentExecutions` (maximum), one period spanning the window.
 *
 * Percentiles are not asked: a percentile statistic makes moto's `GetMetricData` fail as a whole, and
 * the maximum serves the same purpose on the Workers page.
 */
export class CloudWatchWorkerMetrics implements WorkerMetrics {
  constructor(private readonly options: CloudWatchWorkerMetricsOptions) {}

  async read(functionNames: readonly string[], window: { readonly start: Date; readonly end: Date }): Promise<ReadonlyMap<string, FunctionMetrics>> {
    const names = [...new Set(functionNames)];
    if (names.length === 0) return new Map();
    // Whole minutes, one period over the window: one data point per query.
    const start = new Date(Math.floor(window.start.getTime() / 60_000) * 60_000);
    const end = new Date(Math.ceil(window.end.getTime() / 60_000) * 60_000);
    const period = Math.max(60, (end.getTime() - start.getTime()) / 1000);
    const queries: MetricDataQuery[] = names.flatMap((name, f) =>
      QUERIES.map(([id, metric, stat]) => ({
        Id: `${id}${f}`,
        MetricStat: {
          Metric: { Namespace: 'AWS/Lambda', MetricName: metric, Dimensions: [{ Name: 'FunctionName', Value: name }] },
          Period: period,
          Stat: stat,
        },
        ReturnData: true,
      })),
    );
    const results: MetricDataResult[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await this.options.client.send(
          new GetMetricDataCommand({ StartTime: start, EndTime: end, MetricDataQueries: queries, ...(nextToken ? { NextToken: nextToken } : {}) }),
          { abortSignal: AbortSignal.timeout(this.options.timeoutMs ?? 5000) },
        );
        results.push(...(page.MetricDataResults ?? []));
        nextToken = page.NextToken;
      } while (nextToken);
    } catch (error) {
      throw translateAwsError(error, WorkerMetricsError, { failure: 'CloudWatch GetMetricData failed' });
    }
    const metrics = new Map<string, FunctionMetrics>();
    names.forEach((functionName, f) => {
      const values = new Map<Stat, number[]>();
      for (const [id] of QUERIES)
        values.set(
          id,
          results.filter((r) => r.Id === `${id}${f}`).flatMap((r) => r.Values ?? []),
        );
      const all = (stat: Stat) => values.get(stat)!;
      if (QUERIES.every(([id]) => all(id).length === 0)) return;
      const sum = (stat: Stat) => all(stat).reduce((a, b) => a + b, 0);
      const max = (stat: Stat) => (all(stat).length ? Math.max(...all(stat)) : undefined);
      const count = sum('durationCount');
      const maxDuration = max('durationMax');
      const concurrency = max('concurrency');
      metrics.set(functionName, {
        functionName,
        invocations: sum('invocations'),
        errors: sum('errors'),
        ...(count > 0 ? { avgDurationMs: Math.round(sum('durationSum') / count) } : {}),
        ...(maxDuration !== undefined ? { maxDurationMs: Math.round(maxDuration) } : {}),
        ...(concurrency !== undefined ? { maxConcurrency: concurrency } : {}),
      });
    });
    return metrics;
  }
}
