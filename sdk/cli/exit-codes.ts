import { InvalidArgumentError } from 'commander';
import { CeleriacError, ErrorCode } from '../core/errors.js';

/**
 * Exit codes of every `celeriac` command, for scripts: one table.
 *
 * | code | meaning |
 * |---|---|
 * | 0 | done |
 * | 1 | the operation or the task failed (AWS or the endpoint refused, a task ended in FAILURE/REVOKED) |
 * | 2 | bad usage or input (options, arguments, a schedule AWS would reject, an unknown task) |
 * | 3 | not found (an unknown task id: PENDING; no such schedule; a queue not deployed) |
 * | 4 | timed out waiting |
 * | 5 | exists already (a schedule of that name) |
 */
export const ExitCode = { OK: 0, FAILED: 1, USAGE: 2, NOT_FOUND: 3, TIMEOUT: 4, EXISTS: 5 } as const;

/** An error that ends the command with a given exit code. */
export class CliExit extends Error {
  override name = 'CliExit';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const BY_CODE: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.OPTIONS_INVALID]: ExitCode.USAGE,
  [ErrorCode.CONFIG_INVALID]: ExitCode.USAGE,
  [ErrorCode.ARGS_INVALID]: ExitCode.USAGE,
  [ErrorCode.UNKNOWN_TASK]: ExitCode.USAGE,
  [ErrorCode.SCHEDULE_INVALID]: ExitCode.USAGE,
  [ErrorCode.PAYLOAD_TOO_LARGE]: ExitCode.USAGE,
  [ErrorCode.SCHEDULE_NOT_FOUND]: ExitCode.NOT_FOUND,
  [ErrorCode.QUEUE_NOT_FOUND]: ExitCode.NOT_FOUND,
  [ErrorCode.RESULT_TIMEOUT]: ExitCode.TIMEOUT,
  [ErrorCode.SCHEDULE_EXISTS]: ExitCode.EXISTS,
};

/** The exit code a command ends with for `error`. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliExit) return error.code;
  if (error instanceof InvalidArgumentError) return ExitCode.USAGE;
  if (error instanceof CeleriacError) return BY_CODE[error.code] ?? ExitCode.FAILED;
  return ExitCode.FAILED;
}
