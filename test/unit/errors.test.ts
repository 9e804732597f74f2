import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as core from '../../sdk/core/index.js';
import { CeleriacError, ErrorCode } from '../../sdk/core/index.js';
import { ExitCode, exitCodeOf } from '../../sdk/cli/exit-codes.js';

/** One instance of the class of each code, made through the package's public exports. */
const examples: Record<ErrorCode, () => CeleriacError> = {
  CONFIG_INVALID: () => new core.ConfigError('bad'),
  TASK_ALREADY_REGISTERED: () => new core.TaskAlreadyRegisteredError('math.add', 'shop'),
  UNKNOWN_TASK: () => new core.UnknownTaskError('nope', ['math.add']),
  ARGS_INVALID: () => new core.ArgsValidationError('math.add', [{ message: 'expected number' }]),
  OPTIONS_INVALID: () => new core.OptionsError('bad option'),
  ENVELOPE_INVALID: () => new core.EnvelopeError(ErrorCode.ENVELOPE_INVALID, 'bad envelope'),
  MESSAGE_NOT_JSON: () => new core.EnvelopeError(ErrorCode.MESSAGE_NOT_JSON, 'not JSON'),
  PAYLOAD_TOO_LARGE: () => new core.PayloadTooLargeError('math.add', 2_000_000, 1_048_576),
  ENQUEUE_FAILED: () => new core.EnqueueError('id-1', 'ThrottlingException', 'slow down'),
  QUEUE_NOT_FOUND: () => new core.QueueNotFoundError('shop-default', 'QueueDoesNotExist'),
  SCHEDULE_INVALID: () => new core.ScheduleError('bad cron'),
  SCHEDULE_NOT_FOUND: () => new core.ScheduleNotFoundError('no such schedule'),
  SCHEDULE_EXISTS: () => new core.ScheduleExistsError('taken'),
  SCHEDULER_FAILED: () => new core.SchedulerError('unreachable'),
  RESULT_TIMEOUT: () => new core.ResultTimeoutError('id-1', 1_000, 'PENDING'),
  RESULT_RECORD_INVALID: () => new core.ResultRecordError('bad record'),
  BACKEND_FAILED: () => new core.BackendError('unreachable'),
  QUEUE_ADMIN_FAILED: () => new core.QueueAdminError('unreachable'),
  WORKER_METRICS_FAILED: () => new core.WorkerMetricsError('unreachable'),
  TASK_FAILED: () => new core.TaskError('id-1', 'TypeError', 'boom', undefined, undefined),
  TASK_REVOKED: () => new core.TaskRevokedError('id-1', 'revoked by request'),
  MAX_RETRIES_EXCEEDED: () => new core.MaxRetriesExceededError('math.add', 3),
  NO_TASK_CONTEXT: () => new core.NoTaskContextError(),
  TIME_LIMIT_EXCEEDED: () => new core.TimeLimitExceededError('too long'),
  RESULT_TOO_LARGE: () => new core.ResultTooLargeError('id-1', 500_000, 400_000),
  SOFT_TIME_LIMIT_EXCEEDED: () => new core.SoftTimeLimitExceededError('soft limit'),
  CHORD_FAILED: () => new core.ChordError('member-1', 'a member failed'),
  CELERY_MESSAGE_INVALID: () => new core.CeleryMessageError(ErrorCode.CELERY_MESSAGE_INVALID, 'bad Celery message'),
  CELERY_NOT_SUPPORTED: () => new core.CeleryMessageError(ErrorCode.CELERY_NOT_SUPPORTED, 'a chord header'),
};

const sdkDir = fileURLToPath(new URL('../../sdk', import.meta.url));
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? sources(full) : entry.endsWith('.ts') ? [full] : [];
  });
}

describe('errors', () => {
  it('has an exported class for every error code, whose instances carry that code', () => {
    expect(Object.keys(examples).sort()).toEqual(Object.values(ErrorCode).sort());
    for (const [code, make] of Object.entries(examples)) {
      const error = make();
      expect(error).toBeInstanceOf(CeleriacError);
      expect(error.code).toBe(code);
    }
  });

  it('names every class …Error, explicitly (minifiers mangle constructor names)', () => {
    for (const make of Object.values(examples)) {
      const error = make();
      if (error instanceof core.TaskError) continue; // takes the original error's type as its name
      expect(error.name).toMatch(/Error$/);
      expect(error.name).toBe(error.constructor.name);
    }
  });

  it('keeps Celery’s SoftTimeLimitExceeded as an alias of SoftTimeLimitExceededError', () => {
    expect(core.SoftTimeLimitExceeded).toBe(core.SoftTimeLimitExceededError);
  });

  it('throws no bare CeleriacError anywhere in the SDK: every throw site has a class to match with instanceof', () => {
    const bare = sources(sdkDir)
      .filter((file) => !file.endsWith(path.join('core', 'errors.ts')))
      .filter((file) => /new CeleriacError\(/.test(readFileSync(file, 'utf8')))
      .map((file) => path.relative(sdkDir, file));
    expect(bare).toEqual([]);
  });

  it('maps errors to one table of CLI exit codes', () => {
    expect(exitCodeOf(examples.ARGS_INVALID())).toBe(ExitCode.USAGE);
    expect(exitCodeOf(examples.UNKNOWN_TASK())).toBe(ExitCode.USAGE);
    expect(exitCodeOf(examples.SCHEDULE_NOT_FOUND())).toBe(ExitCode.NOT_FOUND);
    expect(exitCodeOf(examples.QUEUE_NOT_FOUND())).toBe(ExitCode.NOT_FOUND);
    expect(exitCodeOf(examples.RESULT_TIMEOUT())).toBe(ExitCode.TIMEOUT);
    expect(exitCodeOf(examples.SCHEDULE_EXISTS())).toBe(ExitCode.EXISTS);
    expect(exitCodeOf(examples.BACKEND_FAILED())).toBe(ExitCode.FAILED);
    expect(exitCodeOf(new Error('anything else'))).toBe(ExitCode.FAILED);
    expect(new Set(Object.values(ExitCode)).size).toBe(Object.values(ExitCode).length);
  });
});
