import { REDACTED } from '../core/contract/names.js';
import { MAX_ARGS_REPR_CHARS } from '../core/defaults.js';
import type { JsonValue } from '../core/json.js';
import type { ResolvedTaskOptions } from '../core/task.js';

export { REDACTED };

/**
 * What a task record shows of a call's arguments (Celery: `argsrepr` / `kwargsrepr`): JSON text
 * capped at {@link MAX_ARGS_REPR_CHARS}, or what the task's `redact` option says to show.
 * @example
 * argsRepr({ redact: false }, [4, 4], {}) // { argsRepr: '[4,4]' }
 */
export function argsRepr(
  options: Pick<ResolvedTaskOptions, 'redact'>,
  args: readonly JsonValue[],
  kwargs: Readonly<Record<string, JsonValue>>,
): { argsRepr: string; kwargsRepr?: string } {
  const hasKwargs = Object.keys(kwargs).length > 0;
  if (options.redact === true) return { argsRepr: REDACTED, ...(hasKwargs ? { kwargsRepr: REDACTED } : {}) };
  if (typeof options.redact === 'function') {
    let shown: unknown;
    try {
      shown = options.redact(hasKwargs ? [...args, kwargs] : args);
    } catch (error) {
      shown = `[redact failed: ${(error as Error).message}]`;
    }
    return { argsRepr: cap(toJson(shown)) };
  }
  return { argsRepr: cap(toJson(args)), ...(hasKwargs ? { kwargsRepr: cap(toJson(kwargs)) } : {}) };
}

function toJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return String(value);
  }
}

function cap(text: string): string {
  return text.length <= MAX_ARGS_REPR_CHARS ? text : `${text.slice(0, MAX_ARGS_REPR_CHARS - 1)}…`;
}
