import { ArgsValidationError } from './errors.js';

/** One value JSON cannot carry, with where it is. */
interface NotJson {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** Arguments of a task that JSON cannot carry (a BigInt, a cycle, NaN, a function, a Map…). */
export class ArgsNotJsonError extends ArgsValidationError {
  override name = 'ArgsNotJsonError';
}

/**
 * Throws unless every argument survives the JSON round trip the message makes: no BigInt, symbol or
 * function, no NaN or ±Infinity, no cycle, and no object JSON would flatten to `{}` (Map, Set, RegExp,
 * typed arrays, class instances without `toJSON`). Dates and other values with `toJSON` pass, as their
 * JSON form; `undefined` passes (it arrives as `null` in an array, as Celery's args do).
 * @throws {ArgsNotJsonError} naming the task and every argument at fault, with a fix.
 * @example
 * assertJsonArgs('math.add', [1, 10n]); // throws: args[1]: a BigInt (10n) …
 */
export function assertJsonArgs(taskName: string, args: readonly unknown[]): void {
  const issues: NotJson[] = [];
  const ancestors: object[] = [];
  const visit = (value: unknown, path: PropertyKey[]): void => {
    if (issues.length >= 5) return;
    switch (typeof value) {
      case 'bigint':
        issues.push({ path, message: `a BigInt (${value}n) has no JSON form: send it as a string (String(value)) or a number` });
        return;
      case 'number':
        if (!Number.isFinite(value)) issues.push({ path, message: `${value} has no JSON form (JSON would send null): send a finite number, or a string` });
        return;
      case 'function':
        issues.push({ path, message: 'a function cannot be sent to a worker: send the data it needs instead' });
        return;
      case 'symbol':
        issues.push({ path, message: 'a symbol has no JSON form' });
        return;
      case 'object': {
        if (value === null) return;
        if (ancestors.includes(value)) {
          issues.push({ path, message: 'the value refers to itself (a cycle), which JSON cannot carry' });
          return;
        }
        if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return;
        const proto = Object.getPrototypeOf(value) as object | null;
        if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
          const kind = (value as object).constructor?.name || 'object';
          const hint =
            value instanceof Map ? ': send Object.fromEntries(map) or [...map]' : value instanceof Set ? ': send [...set]' : ': send a plain object or array';
          issues.push({ path, message: `a ${kind} would arrive as {}${hint}` });
          return;
        }
        ancestors.push(value);
        if (Array.isArray(value)) {
          for (const [index, item] of value.entries()) visit(item, [...path, index]);
        } else for (const [key, item] of Object.entries(value)) visit(item, [...path, key]);
        ancestors.pop();
        return;
      }
      default:
        return;
    }
  };
  for (const [index, arg] of args.entries()) visit(arg, [index]);
  if (issues.length) throw new ArgsNotJsonError(taskName, issues);
}
