/** A JSON value, as it travels in messages and task records. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

type JsonPrimitive = string | number | boolean | null;
type Dropped = undefined | symbol | ((...args: never[]) => unknown);

/**
 * The type a value has after a round trip through `JSON.stringify` / `JSON.parse`:
 * a `Date` becomes a string, functions, symbols and `undefined` properties disappear, `toJSON()` is
 * applied. Task results are typed with it, because they come back over JSON.
 */
export type Jsonify<T> = T extends { toJSON(): infer J }
  ? Jsonify<J>
  : T extends JsonPrimitive
    ? T
    : T extends Dropped | bigint
      ? never
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: T[K] extends Dropped ? null : Jsonify<T[K]> }
        : T extends ReadonlyMap<unknown, unknown> | ReadonlySet<unknown>
          ? Record<string, never>
          : T extends object
            ? { -readonly [K in keyof T as T[K] extends Dropped ? never : K]: Jsonify<T[K]> }
            : never;

/**
 * The value `AsyncResult.get()` resolves to for a task returning `T`: its JSON form, and `null` for a
 * task that returns nothing.
 */
export type TaskReturn<T> = [Awaited<T>] extends [void | undefined] ? null : Jsonify<Awaited<T>>;

/** Byte length of a string once UTF-8 encoded. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
