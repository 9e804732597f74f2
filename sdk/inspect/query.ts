import { OptionsError } from '../core/errors.js';
import { CUSTOM_STATE, TaskState, type AnyState } from '../core/states.js';
import type { TaskQuery } from '../core/ports/inspection.js';

export { globPrefix, matchesName } from '../core/ports/inspection.js';

const STATES = Object.values(TaskState) as string[];

/**
 * Parses a Flower-like search: `name:email.* state:FAILURE,RETRY since:2026-11-22T10:00Z welcome`.
 * Words without a `key:` are the text to find in arguments, result and error.
 * @throws {OptionsError} naming the unknown key or state.
 * @example
 * parseTaskSearch('name:email.* state:FAILURE') // { name: 'email.*', states: ['FAILURE'] }
 */
export function parseTaskSearch(search: string, options: ParseStateOptions = {}): TaskQuery {
  const text: string[] = [];
  let query: { -readonly [K in keyof TaskQuery]: TaskQuery[K] } = {};
  for (const word of search.trim().split(/\s+/).filter(Boolean)) {
    const match = /^(name|state|since|until|text):(.*)$/i.exec(word);
    if (!match) {
      text.push(word);
      continue;
    }
    const key = match[1]!.toLowerCase();
    const value = match[2]!;
    if (key === 'name') query.name = value;
    else if (key === 'state') query.states = parseStates(value, options);
    else if (key === 'since') query.since = parseTime(value, 'since');
    else if (key === 'until') query.until = parseTime(value, 'until');
    else text.push(value);
  }
  if (text.length) query = { ...query, text: text.join(' ') };
  return query;
}

/** Options of {@link parseStates} and {@link parseTaskSearch}. */
export interface ParseStateOptions {
  /**
   * Accept custom states spelled as `updateState()` takes them (`PROGRESS`); the inspector then checks
   * that a task is in them.
   * @default false
   */
  readonly customStates?: boolean;
}

/**
 * Parses a comma-separated list of states, case-insensitive: Celery's, and with `customStates` custom ones
 * spelled as `updateState()` takes them (`PROGRESS`); whether one is in use is for the inspector to say.
 * @throws {OptionsError} for a name that is not a state.
 */
export function parseStates(value: string, options: ParseStateOptions = {}): AnyState[] {
  const states = value
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  for (const state of states) {
    if (!STATES.includes(state) && !(options.customStates && CUSTOM_STATE.test(state))) {
      throw new OptionsError(`Unknown state "${state}": use one of ${STATES.join(', ')}, or a custom state a task sets (upper case letters, digits and _).`);
    }
  }
  return states;
}

/** True for one of Celery's states (not a custom one). */
export function isCeleryState(state: string): state is TaskState {
  return STATES.includes(state);
}

/**
 * Parses an ISO 8601 time, or a relative one such as `15m`, `2h`, `1d` (that long ago).
 * @throws {OptionsError} when it is neither.
 */
export function parseTime(value: string, field: string, now = Date.now()): Date {
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now - Number(relative[1]) * unit);
  }
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new OptionsError(`${field} must be an ISO 8601 time or a duration such as 15m, 2h, 1d; received ${JSON.stringify(value)}`);
  return new Date(ms);
}
