import { ConfigError } from './errors.js';

/** A parsed rate limit: at most `count` starts per `windowMs`, spaced `intervalMs` apart. */
export interface RateLimit {
  readonly count: number;
  readonly windowMs: number;
  /** Milliseconds between two starts: `windowMs / count`. */
  readonly intervalMs: number;
}

const UNITS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * Parses a Celery-style rate limit: `'10/s'`, `'100/m'`, `'1000/h'`.
 * @throws {ConfigError} naming the value and the expected form.
 * @example
 * parseRateLimit('10/s') // { count: 10, windowMs: 1000, intervalMs: 100 }
 */
export function parseRateLimit(value: string, field = 'rateLimit'): RateLimit {
  const match = /^\s*(\d+(?:\.\d+)?)\s*\/\s*([smh])\s*$/.exec(value);
  const count = match ? Number(match[1]) : NaN;
  if (!match || !(count > 0)) {
    throw new ConfigError(
      `${field} must look like '10/s', '100/m' or '1000/h' (a positive number per second, minute or hour), received ${JSON.stringify(value)}`,
    );
  }
  const windowMs = UNITS[match[2]!]!;
  return { count, windowMs, intervalMs: windowMs / count };
}

/**
 * The shared schedule behind a global rate limit (a generic cell rate algorithm): the limiter keeps
 * one number, the theoretical time of the next free start (`tat`). A start is granted at
 * `max(tat, now)` and moves `tat` one interval on; a start further ahead than `horizonMs` is refused.
 * Every adapter applies this rule (DynamoDB with two conditional writes, memory in code).
 */
export function nextRateSlot(
  tat: number | undefined,
  request: { readonly nowMs: number; readonly intervalMs: number; readonly horizonMs: number },
): { readonly atMs: number; readonly tat: number } | { readonly busyUntilMs: number } {
  const start = tat === undefined || tat < request.nowMs ? request.nowMs : tat;
  if (start > request.nowMs + request.horizonMs) return { busyUntilMs: start };
  return { atMs: start, tat: start + request.intervalMs };
}
