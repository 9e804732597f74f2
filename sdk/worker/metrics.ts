import { METRIC, METRICS_NAMESPACE } from '../core/contract/names.js';
import type { WorkerEvent } from './events.js';

export { METRIC, METRICS_NAMESPACE };

const STATE_BY_EVENT: Partial<Record<WorkerEvent['type'], string>> = {
  succeeded: 'SUCCESS',
  failed: 'FAILURE',
  retry: 'RETRY',
  rejected: 'FAILURE',
  revoked: 'REVOKED',
};

/**
 * CloudWatch Embedded Metric Format fields for a worker event, to merge into its JSON log line:
 * Lambda's log pipeline turns them into metrics with no API call (tasks by name and state, and
 * durations). Undefined for events that are not a task outcome.
 * @example
 * console.log(JSON.stringify({ message, ...emfFields('shop', event, Date.now()) }));
 */
export function emfFields(app: string, event: WorkerEvent, now: number): Record<string, unknown> | undefined {
  const state = STATE_BY_EVENT[event.type];
  if (!state) return undefined;
  const task = ('task' in event ? event.task : undefined) ?? 'unknown';
  const runtimeMs = 'runtimeMs' in event ? event.runtimeMs : undefined;
  return {
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [
            ['App', 'State'],
            ['App', 'Task', 'State'],
          ],
          Metrics: [{ Name: METRIC.tasks, Unit: 'Count' }, ...(runtimeMs !== undefined ? [{ Name: METRIC.duration, Unit: 'Milliseconds' }] : [])],
        },
      ],
    },
    App: app,
    Task: task,
    State: state,
    [METRIC.tasks]: 1,
    ...(runtimeMs !== undefined ? { [METRIC.duration]: runtimeMs } : {}),
  };
}
