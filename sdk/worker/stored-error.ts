import { MAX_TRACEBACK_CHARS } from '../core/defaults.js';

/** Longest error message kept in a record: an error's message can be any size, a record cannot. */
export const MAX_ERROR_MESSAGE_CHARS = 4_000;

function capMessage(message: string): string {
  return message.length > MAX_ERROR_MESSAGE_CHARS
    ? `${message.slice(0, MAX_ERROR_MESSAGE_CHARS)}… [${message.length - MAX_ERROR_MESSAGE_CHARS} more characters]`
    : message;
}
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
      message: capMessage(error.message),
      ...(error.stack ? { stack: error.stack.slice(0, MAX_TRACEBACK_CHARS) } : {}),
    };
  }
  return { type: 'NonErrorThrown', message: capMessage(typeof error === 'string' ? error : safeJson(error)) };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
