import { DEFAULT_RETRY_BACKOFF_MAX_SECONDS, DEFAULT_RETRY_DELAY_SECONDS } from './defaults.js';

/** The retry settings of a task, resolved. */
export interface RetryPolicy {
  readonly maxRetries: number;
  /** Exponential backoff factor in seconds (`true` = 1), or false for a fixed delay. */
  readonly retryBackoff: boolean | number;
  readonly retryBackoffMaxSeconds: number;
  readonly retryJitter: boolean;
  readonly defaultRetryDelaySeconds: number;
}

/**
 * Seconds to wait before retry number `retries + 1`, as Celery computes it: with backoff,
 * `min(max, factor × 2^retries)`, then full jitter (uniform in [0, that]); without, the fixed delay.
 * @example
 * retryDelaySeconds({ ...policy, retryBackoff: true, retryJitter: false }, 3) // 8
 */
export function retryDelaySeconds(policy: RetryPolicy, retries: number, random: () => number = Math.random): number {
  if (policy.retryBackoff === false) return policy.defaultRetryDelaySeconds;
  const factor = policy.retryBackoff === true ? 1 : policy.retryBackoff;
  const ceiling = Math.min(policy.retryBackoffMaxSeconds, factor * 2 ** retries);
  if (!policy.retryJitter) return Math.round(ceiling);
  return Math.floor(random() * (Math.floor(ceiling) + 1));
}

/** Retry settings used when neither the task nor the app sets them. */
export const defaultRetryPolicy = (maxRetries: number): RetryPolicy => ({
  maxRetries,
  retryBackoff: false,
  retryBackoffMaxSeconds: DEFAULT_RETRY_BACKOFF_MAX_SECONDS,
  retryJitter: true,
  defaultRetryDelaySeconds: DEFAULT_RETRY_DELAY_SECONDS,
});
