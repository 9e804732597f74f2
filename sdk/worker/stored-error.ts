import { MAX_TRACEBACK_CHARS } from '../core/defaults.js';
import type { StoredError } from '../core/errors.js';

/** Turns anything thrown into what the backend stores: type, code, message, capped stack. */
export function toStoredError(error: unknown): StoredError {
  if (error instanceof Error) {
    const ctorName = (error.constructor as { name?: string } | undefined)?.name;
    const type = error.name && error.name !== 'Error' ? error.name : ctorName || 'Error';
    const code = (error as { code?: unknown }).code;
    return {
      type,
      ...(typeof code === 'string' ? { code } : {}),
      message: error.message,
      ...(error.stack ? { stack: error.stack.slice(0, MAX_TRACEBACK_CHARS) } : {}),
    };
  }
  return { type: 'NonErrorThrown', message: typeof error === 'string' ? error : safeJson(error) };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
