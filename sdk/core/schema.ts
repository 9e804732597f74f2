import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ArgsValidationError } from './errors.js';

/**
 * Validates a task's arguments with a Standard Schema (zod, valibot, arktype…) and returns the
 * schema's output.
 * @throws {ArgsValidationError} listing each issue with its path.
 */
export async function validateArgs(
  taskName: string,
  schema: StandardSchemaV1 | undefined,
  args: readonly unknown[],
): Promise<unknown[]> {
  if (!schema) return [...args];
  let outcome = schema['~standard'].validate(args);
  if (outcome instanceof Promise) outcome = await outcome;
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
