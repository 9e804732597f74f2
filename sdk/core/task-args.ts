/**
 * Types of a task's arguments as they travel: JSON in a message, so a parameter must be a type JSON
 * gives back unchanged, and keyword arguments arrive as one last object argument.
 */

type JsonPrimitive = string | number | boolean | null;
/** True for `any` (an `AnyTask`'s parameters), false otherwise. */
type IsAny<T> = 0 extends 1 & T ? true : false;
type Depth = [never, 0, 1, 2, 3, 4, 5, 6, 7, 8];

/**
 * Why a parameter of type `T` would not arrive as declared (a message naming the path), or `never`
 * when it would. JSON gives back strings, numbers, booleans, null, arrays and plain objects; a
 * `Date` arrives as its ISO string, a `Map` as `{}`, a class instance without its methods.
 */
export type NotJsonReason<T, Path extends string, D extends number = 8> = [D] extends [never]
  ? never
  : 0 extends 1 & T
    ? never // any
    : unknown extends T
      ? never // unknown: the task checks what it gets
      : T extends JsonPrimitive | undefined
        ? never
        : T extends Date
          ? `${Path} is a Date: it arrives as an ISO 8601 string. Declare a string and parse it (new Date(value)).`
          : T extends bigint
            ? `${Path} is a bigint: JSON has none. Declare a string or a number.`
            : T extends symbol
              ? `${Path} is a symbol: JSON has none.`
              : T extends (...args: never[]) => unknown
                ? `${Path} is a function: functions do not travel in messages.`
                : T extends ReadonlyMap<unknown, unknown> | ReadonlySet<unknown>
                  ? `${Path} is a Map or Set: it arrives as {}. Declare an object or an array.`
                  : T extends { toJSON(): unknown }
                    ? `${Path} has toJSON(): it arrives as what toJSON() returns. Declare that type.`
                    : T extends readonly unknown[]
                      ? NotJsonReason<T[number], `${Path}[]`, Depth[D]>
                      : T extends object
                        ? {
                            [K in keyof T]-?: K extends string ? NotJsonReason<T[K], `${Path}.${K}`, Depth[D]> : `${Path} has a symbol key: JSON drops it.`;
                          }[keyof T]
                        : `${Path} is not a JSON type.`;

/** The first reason a parameter list `A` would not arrive as declared, or `never`. */
export type NotJsonArgs<A extends readonly unknown[]> = { [K in keyof A]-?: NotJsonReason<A[K], `parameter ${K & string}`> }[number];

/**
 * `unknown` when every parameter of `A` is a JSON type; otherwise an object type whose one key says
 * which parameter is not and what to declare instead, so `app.task('x', async (d: Date) => …)` is a
 * compile error that names the reason.
 */
export type JsonParameters<A extends readonly unknown[]> = [NotJsonArgs<A>] extends [never]
  ? unknown
  : { readonly 'Task parameters must be JSON types (see "Defining tasks" in the README)': NotJsonArgs<A> };

/**
 * The keyword arguments a task with parameters `A` takes: its last parameter when that is a plain
 * object (Celery's `**kwargs`), else `never`. The worker passes a message's non-empty `kwargs` as
 * that one last argument.
 */
export type KwargsOf<A extends readonly unknown[]> =
  IsAny<A> extends true
    ? Readonly<Record<string, unknown>> // AnyTask: any keyword arguments
    : Required<A> extends readonly [...(readonly unknown[]), infer K]
      ? NonNullable<K> extends readonly unknown[]
        ? never
        : NonNullable<K> extends JsonPrimitive
          ? never
          : NonNullable<K> extends object
            ? NonNullable<K>
            : never
      : never;

/** The parameters before the keyword arguments, all given (a message's `args` when it has `kwargs`). */
export type PositionalOf<A extends readonly unknown[]> = IsAny<A> extends true ? A : Required<A> extends readonly [...infer P, unknown] ? P : never;

/** The argument list a signature of a task with arguments `A` still needs from its parent. */
export type Head<A extends readonly unknown[]> =
  IsAny<A> extends true ? A : A extends readonly [infer F, ...unknown[]] ? [F] : A extends readonly (infer E)[] ? [E] : never;

/** The arguments a partial signature is given: all but the first. */
export type Tail<A extends readonly unknown[]> =
  IsAny<A> extends true ? A : A extends readonly [unknown, ...infer T] ? T : A extends readonly (infer E)[] ? E[] : never;
