import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_BACKOFF_MAX_SECONDS, DEFAULT_RETRY_DELAY_SECONDS } from '../../sdk/core/defaults.js';
import { defaultRetryPolicy, retryDelaySeconds, type RetryPolicy } from '../../sdk/core/retry.js';
import { seededRandom } from '../fixtures/random.js';

const policy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy => ({ ...defaultRetryPolicy(3), ...overrides });
const never = (): number => {
  throw new Error('random() must not be called without jitter');
};

describe('retryDelaySeconds', () => {
  it('returns the fixed defaultRetryDelaySeconds when backoff is off, whatever the retry count', () => {
    const fixed = policy({ retryBackoff: false, defaultRetryDelaySeconds: 42 });
    expect([0, 1, 5, 30].map((n) => retryDelaySeconds(fixed, n, never))).toEqual([42, 42, 42, 42]);
  });

  it('defaults to Celery’s 180 s fixed delay with a 600 s backoff cap', () => {
    expect(retryDelaySeconds(defaultRetryPolicy(3), 0, never)).toBe(DEFAULT_RETRY_DELAY_SECONDS);
    expect(DEFAULT_RETRY_DELAY_SECONDS).toBe(180);
    expect(DEFAULT_RETRY_BACKOFF_MAX_SECONDS).toBe(600);
  });

  it('doubles from 1 s with retryBackoff true and no jitter', () => {
    const exponential = policy({ retryBackoff: true, retryJitter: false });
    expect([0, 1, 2, 3, 4].map((n) => retryDelaySeconds(exponential, n, never))).toEqual([1, 2, 4, 8, 16]);
  });

  it('multiplies by the factor when retryBackoff is a number', () => {
    const exponential = policy({ retryBackoff: 3, retryJitter: false });
    expect([0, 1, 2, 3].map((n) => retryDelaySeconds(exponential, n, never))).toEqual([3, 6, 12, 24]);
  });

  it('caps the backoff at retryBackoffMaxSeconds', () => {
    const capped = policy({ retryBackoff: true, retryJitter: false, retryBackoffMaxSeconds: 60 });
    expect([5, 6, 7, 50].map((n) => retryDelaySeconds(capped, n, never))).toEqual([32, 60, 60, 60]);
  });

  it('draws full jitter uniformly from 0 to the backoff, both ends included, as whole seconds', () => {
    const jittered = policy({ retryBackoff: true, retryJitter: true });
    const random = seededRandom(20250101);
    const draws = Array.from({ length: 2_000 }, () => retryDelaySeconds(jittered, 3, random));

    expect(draws.every((d) => Number.isInteger(d) && d >= 0 && d <= 8)).toBe(true);
    expect(new Set(draws)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8]));
  });

  it('maps the random source’s extremes to 0 and to the backoff', () => {
    const jittered = policy({ retryBackoff: true, retryJitter: true });
    expect(retryDelaySeconds(jittered, 4, () => 0)).toBe(0);
    expect(retryDelaySeconds(jittered, 4, () => 0.999_999)).toBe(16);
  });

  it('keeps jittered delays within the cap', () => {
    const capped = policy({ retryBackoff: true, retryJitter: true, retryBackoffMaxSeconds: 10 });
    const random = seededRandom(7);
    const draws = Array.from({ length: 500 }, () => retryDelaySeconds(capped, 20, random));
    expect(Math.max(...draws)).toBe(10);
    expect(Math.min(...draws)).toBe(0);
  });

  it('gives the same delays for the same seed', () => {
    const jittered = policy({ retryBackoff: true, retryJitter: true });
    const a = seededRandom(99);
    const b = seededRandom(99);
    const run = (random: () => number) => [0, 1, 2, 3, 4, 5].map((n) => retryDelaySeconds(jittered, n, random));
    expect(run(a)).toEqual(run(b));
  });
});
