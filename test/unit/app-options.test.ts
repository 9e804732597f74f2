import { describe, expect, it } from 'vitest';
import { createCoreApp } from '../../sdk/core/app.js';
import { ConfigError, ErrorCode } from '../../sdk/core/errors.js';
import { NUMERIC_OPTIONS, pickOption } from '../../sdk/core/resolve-options.js';
import { memoryHarness } from '../helpers/memory-harness.js';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('the option table', () => {
  it.each([
    ['retryBackoffMaxSeconds', { retryBackoffMaxSeconds: 50_000 }, 'retryBackoffMaxSeconds must be a number from 0 to 43200', 'received 50000'],
    ['defaultRetryDelaySeconds', { defaultRetryDelaySeconds: -5 }, 'defaultRetryDelaySeconds must be a number from 0 to 43200', 'received -5'],
    ['publishLingerMs', { publishLingerMs: 2.5 }, 'publishLingerMs must be an integer from 0 to 1000', 'received 2.5'],
    ['publishLingerMs', { publishLingerMs: 60_000 }, 'publishLingerMs must be an integer from 0 to 1000', 'received 60000'],
    ['retryBackoff', { retryBackoff: 0 }, 'retryBackoff must be a number above 0 and at most 43200', 'received 0'],
    ['resultExpiresSeconds', { resultExpiresSeconds: 0 }, 'resultExpiresSeconds must be an integer from 1 to', 'received 0'],
    ['maxRetries', { maxRetries: -1 }, 'maxRetries must be an integer from 0 to 999', 'received -1'],
    ['worker.timeoutSeconds', { worker: { timeoutSeconds: 901 } }, "worker.timeoutSeconds must be an integer from 1 to 900 (Lambda's limit)", 'received 901'],
    ['worker.memoryMb', { worker: { memoryMb: 0 } }, 'worker.memoryMb must be an integer from 1 to 10240', 'received 0'],
    ['batchSize', { queues: { default: { batchSize: 0 } } }, 'queues.default.batchSize must be an integer from 1 to 10000', 'received 0'],
    [
      'maxBatchingWindowSeconds',
      { queues: { default: { maxBatchingWindowSeconds: 301 } } },
      'queues.default.maxBatchingWindowSeconds must be an integer from 0 to 300',
      'received 301',
    ],
    ['maxConcurrency', { queues: { default: { maxConcurrency: 1 } } }, 'queues.default.maxConcurrency must be an integer from 2 to 1000', 'received 1'],
    [
      'maxReceiveCount',
      { queues: { default: { maxReceiveCount: 1001 } } },
      'queues.default.maxReceiveCount must be an integer from 1 to 1000',
      'received 1001',
    ],
  ] as const)('refuses an app-level %s out of range with ConfigError naming it, the range and the value', (option, config, range, received) => {
    const error = thrown(() => createCoreApp({ name: 'shop', ...config }));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe(ErrorCode.CONFIG_INVALID);
    expect(error.message).toContain(range);
    expect(error.message).toContain(received);
    expect(error.message).toContain(NUMERIC_OPTIONS[option].fix);
  });

  it.each([
    ['retryBackoffMaxSeconds', { retryBackoffMaxSeconds: Number.NaN }, 'send: retryBackoffMaxSeconds must be a number from 0 to 43200', 'received NaN'],
    ['defaultRetryDelaySeconds', { defaultRetryDelaySeconds: 86_400 }, 'send: defaultRetryDelaySeconds must be a number from 0 to 43200', 'received 86400'],
    [
      'softTimeLimitSeconds',
      { softTimeLimitSeconds: 31 },
      "send: softTimeLimitSeconds must be a number above 0 and at most 30 (at most the worker's timeoutSeconds, 30)",
      'received 31',
    ],
    ['timeLimitSeconds', { timeLimitSeconds: 0 }, 'send: timeLimitSeconds must be a number above 0 and at most 30', 'received 0'],
    ['maxRetries', { maxRetries: 1.5 }, 'send: maxRetries must be an integer from 0 to 999', 'received 1.5'],
  ] as const)('refuses a task-level %s out of range, naming the task', (_option, options, range, received) => {
    const { app } = memoryHarness();
    const error = thrown(() => app.task('send', async () => null, options));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain(range);
    expect(error.message).toContain(received);
  });

  it('accepts the bounds themselves', () => {
    const { app } = memoryHarness({ retryBackoffMaxSeconds: 43_200, defaultRetryDelaySeconds: 0, publishLingerMs: 1_000 });
    const task = app.task('edge', async () => null, { timeLimitSeconds: 30, softTimeLimitSeconds: 0.5 });
    expect(task.options.retry).toMatchObject({ retryBackoffMaxSeconds: 43_200, defaultRetryDelaySeconds: 0 });
    expect(task.options.timeLimitSeconds).toBe(30);
  });

  it('picks call > task > app > default in one place', () => {
    expect(pickOption(3, 1, 2)).toBe(1);
    expect(pickOption(3, undefined, 2)).toBe(2);
    expect(pickOption(3, undefined, undefined)).toBe(3);
    expect(pickOption<boolean | number>(false, undefined, 0)).toBe(0);
  });

  it('resolves a task option over the app option over the default', () => {
    const { app } = memoryHarness({ retryBackoffMaxSeconds: 120, listed: false });
    expect(app.task('a', async () => null).options).toMatchObject({ retry: { retryBackoffMaxSeconds: 120 }, listed: false, ignoreResult: false });
    expect(app.task('b', async () => null, { retryBackoffMaxSeconds: 30, listed: true }).options).toMatchObject({
      retry: { retryBackoffMaxSeconds: 30 },
      listed: true,
    });
  });
});
