import { describe, expect, it } from 'vitest';
import { emfFields, METRICS_NAMESPACE } from '../../sdk/worker/metrics.js';

describe('emfFields (CloudWatch Embedded Metric Format)', () => {
  it('counts a success by app, task and state, with its duration', () => {
    const fields = emfFields('shop', { type: 'succeeded', id: 't1', task: 'email.send', runtimeMs: 21, result: null }, 1_700_000_000_000)!;
    expect(fields).toEqual({
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [
          {
            Namespace: METRICS_NAMESPACE,
            Dimensions: [
              ['App', 'State'],
              ['App', 'Task', 'State'],
            ],
            Metrics: [
              { Name: 'Tasks', Unit: 'Count' },
              { Name: 'TaskDuration', Unit: 'Milliseconds' },
            ],
          },
        ],
      },
      App: 'shop',
      Task: 'email.send',
      State: 'SUCCESS',
      Tasks: 1,
      TaskDuration: 21,
    });
  });

  it('counts a poison message as FAILURE without a duration, and emits nothing for a duplicate', () => {
    const fields = emfFields('shop', { type: 'rejected', id: undefined, task: undefined, messageId: 'm', error: { type: 'EnvelopeError', message: 'x' } }, 0)!;
    expect(fields).toMatchObject({ State: 'FAILURE', Task: 'unknown', Tasks: 1 });
    expect(fields).not.toHaveProperty('TaskDuration');
    expect(emfFields('shop', { type: 'duplicate', id: 't', task: 'a', state: 'SUCCESS' }, 0)).toBeUndefined();
  });
});
