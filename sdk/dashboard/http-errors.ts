import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { CeleriacError, ErrorCode } from '../core/errors.js';

/** An error answered as `{ error: { code, message } }` with its HTTP status. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const STATUS_BY_CODE: Partial<Record<string, ContentfulStatusCode>> = {
  [ErrorCode.OPTIONS_INVALID]: 400,
  [ErrorCode.CONFIG_INVALID]: 400,
  [ErrorCode.ARGS_INVALID]: 400,
  [ErrorCode.UNKNOWN_TASK]: 400,
  [ErrorCode.QUEUE_ADMIN_FAILED]: 502,
  [ErrorCode.BACKEND_FAILED]: 502,
};

/** Status, code and message of any error, for a JSON answer or an HTML notice. */
export function describeError(error: unknown): { status: ContentfulStatusCode; code: string; message: string } {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message };
  if (error instanceof CeleriacError) return { status: STATUS_BY_CODE[error.code] ?? 500, code: error.code, message: error.message };
  return { status: 500, code: 'INTERNAL', message: (error as Error)?.message ?? String(error) };
}

/** Answers an error as JSON. */
export function jsonError(c: Context, error: unknown): Response {
  const { status, code, message } = describeError(error);
  return c.json({ error: { code, message } }, status);
}

/** Reads an optional integer query parameter within bounds. */
export function intParam(value: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new HttpError(400, 'BAD_PARAMETER', `${name} must be an integer ${min}–${max}, received ${JSON.stringify(value)}`);
  return n;
}
