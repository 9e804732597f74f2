/** A JSON value, as it travels in messages and task records. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

type JsonPrimitive = string | number | boolean | null;
type Dropped = undefined | symbol | ((...args: never[]) => unknown);
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * The type a value has after a round trip through `JSON.stringify` / `JSON.parse`:
 * a `Date` becomes a string, `toJSON()` is applied, functions, symbols and `undefined` properties
 * disappear (a property that may be undefined becomes optional), and an array item that may be
 * undefined may come back as `null`. Task results are typed with it, because they come back over JSON.
 */
export type Jsonify<T> = T extends { toJSON(): infer J }
  ? Jsonify<J>
  : T extends JsonPrimitive
    ? T
    : T extends Dropped | bigint
      ? never
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: T[K] extends Dropped ? null : undefined extends T[K] ? Jsonify<T[K]> | null : Jsonify<T[K]> }
        : T extends ReadonlyMap<unknown, unknown> | ReadonlySet<unknown>
          ? Record<string, never>
          : T extends object
            ? Simplify<
                { -readonly [K in keyof T as K extends symbol ? never : T[K] extends Dropped ? never : undefined extends T[K] ? never : K]: Jsonify<T[K]> } & {
                  -readonly [K in keyof T as K extends symbol ? never : T[K] extends Dropped ? never : undefined extends T[K] ? K : never]?: Jsonify<T[K]>;
                }
              >
            : never;

/**
 * The value `AsyncResult.get()` resolves to for a task returning `T`: its JSON form, and `null` where
 * the task returns nothing (the worker stores `undefined` as `null`).
 */
export type TaskReturn<T> = 0 extends 1 & T
  ? unknown // a task of any type (`AnyTask`): its result is not known
  : // biome-ignore lint/suspicious/noConfusingVoidType: a task body that returns nothing has the return type void; it must map to null
    [Awaited<T>] extends [void | undefined]
    ? null
    : // biome-ignore lint/suspicious/noConfusingVoidType: as above, void is what a body that returns nothing has
      Jsonify<Exclude<Awaited<T>, void | undefined>> | (undefined extends Awaited<T> ? null : never);

/** Byte length of a string once UTF-8 encoded. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
