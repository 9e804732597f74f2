import { CeleriacError } from '../core/errors.js';

/** A `CeleriacError` subclass with the adapter's code, made from a message (e.g. `BackendError`). */
export type AdapterErrorClass<E extends CeleriacError> = new (message: string, options?: { cause?: unknown }) => E;

/**
 * Whether an AWS SDK error is one of the named service exceptions. Checked by name, not `instanceof`:
 * some clients load lazily, and an emulator's error may come through another copy of the SDK.
 * @example
 * if (isAwsError(error, 'ResourceNotFoundException')) return undefined;
 */
export function isAwsError(error: unknown, ...names: readonly string[]): boolean {
  const name = (error as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && names.includes(name);
}

/** How {@link translateAwsError} words the error. */
export interface AwsErrorWording {
  /** What failed, the start of the message: `Result backend get of task 3f2a… failed`, `Could not list schedules`. */
  readonly failure: string;
  /**
   * What to do, by the exception's name; `*` applies to every name not listed.
   * @default - no hint
   */
  readonly hints?: Readonly<Record<string, string>>;
}

/**
 * The one translation of an AWS SDK error at the adapter boundary: the adapter's error class (a
 * {@link CeleriacError} with a stable code) whose message reads `<failure>: <ExceptionName>: <AWS message>.` and, for the names it
 * knows, what to do; the AWS error is kept as `cause`. A `CeleriacError` passes through unchanged.
 * @example
 * throw translateAwsError(error, BackendError, {
 *   failure: `Result backend get of task ${id} failed`,
 *   hints: { ResourceNotFoundException: 'Deploy the stack (cdk deploy).' },
 * });
 */
export function translateAwsError<E extends CeleriacError>(error: unknown, ErrorClass: AdapterErrorClass<E>, wording: AwsErrorWording): E | CeleriacError {
  if (error instanceof CeleriacError) return error;
  const name = (error as { name?: string } | undefined)?.name ?? 'Error';
  const message = (error as { message?: string } | undefined)?.message ?? String(error);
  const hint = wording.hints?.[name] ?? wording.hints?.['*'];
  return new ErrorClass(`${wording.failure}: ${name}: ${message}.${hint ? ` ${hint}` : ''}`, { cause: error });
}
