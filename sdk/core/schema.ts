import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ArgsValidationError } from './errors.js';

/**
 * Validates a task's arguments with a Standard Schema (zod, valibot, arktype…) and returns the
 * schema's output.
 * @throws {ArgsValidationError} listing each issue with its path.
 */
export async function validateArgs(taskName: string, schema: StandardSchemaV1 | undefined, args: readonly unknown[]): Promise<unknown[]> {
  return validateArgsNow(taskName, schema, args);
}

/**
 * As {@link validateArgs}, synchronously when the schema validates synchronously (most do): then it
 * returns the output or throws; otherwise it returns a promise.
 * @throws {ArgsValidationError} listing each issue with its path.
 */
export function validateArgsNow(taskName: string, schema: StandardSchemaV1 | undefined, args: readonly unknown[]): unknown[] | Promise<unknown[]> {
  if (!schema) return [...args];
  const outcome = schema['~standard'].validate(args);
  return outcome instanceof Promise ? outcome.then((settled) => outputOf(taskName, settled)) : outputOf(taskName, outcome);
}

function outputOf(taskName: string, outcome: StandardSchemaV1.Result<unknown>): unknown[] {
  if (outcome.issues) {
    throw new ArgsValidationError(
      taskName,
      outcome.issues.map((issue) => ({
        message: issue.message,
        path: issue.path?.map((segment) => (typeof segment === 'object' ? segment.key : segment)),
      })),
    );
  }
  if (!Array.isArray(outcome.value)) {
    throw new ArgsValidationError(taskName, [{ message: 'the args schema must describe the argument list as a tuple or array' }]);
  }
  return outcome.value;
}
