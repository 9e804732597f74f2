import { SoftTimeLimitExceededError, TaskRevokedError, TimeLimitExceededError } from '../core/errors.js';

/** Why a guard stopped a task before its function settled. */
export type StopReason = { readonly kind: 'time-limit'; readonly error: TimeLimitExceededError } | { readonly kind: 'terminated'; readonly reason: string };

/** Settings of one {@link RunGuard}. */
export interface RunGuardOptions {
  readonly label: string;
  /** Abort the signal with `SoftTimeLimitExceededError` after this many seconds. */
  readonly softTimeLimitSeconds?: number;
  /** Stop the task with `TimeLimitExceededError` after this many seconds. */
  readonly timeLimitSeconds?: number;
  /** Abort the signal (and retry the task) this many ms before the invocation ends. */
  readonly deadlineMs?: number;
  readonly safetyMarginMs: number;
  /** Checks whether the task was revoked with terminate, every `intervalMs`; returns the reason. */
  readonly revokeCheck?: { readonly intervalMs: number; readonly check: () => Promise<string | undefined> };
}

/**
 * Watches one running task: the soft limit and the invocation's deadline abort its `signal`; the
 * hard limit and a terminate request settle `stopped`, so the worker records the outcome without
 * waiting for a function that ignores its signal.
 */
export class RunGuard {
  readonly controller = new AbortController();
  /** Settles when the task must stop now. */
  readonly stopped: Promise<StopReason>;
  /** True when the signal was aborted because the invocation is ending (the task is retried). */
  deadlineHit = false;
  private readonly timers: ReturnType<typeof setTimeout>[] = [];
  private interval: ReturnType<typeof setInterval> | undefined;

  constructor(options: RunGuardOptions) {
    const { label, safetyMarginMs } = options;
    let stop: (reason: StopReason) => void = () => undefined;
    this.stopped = new Promise((resolve) => (stop = resolve));
    const after = (ms: number, fn: () => void) => this.timers.push(setTimeout(fn, Math.max(0, ms)));
    if (options.deadlineMs !== undefined) {
      // The deadline is the invocation's, in real time (the app's clock may be a test's).
      after(options.deadlineMs - safetyMarginMs - Date.now(), () => {
        this.deadlineHit = true;
        this.controller.abort(new TimeLimitExceededError(`Task ${label} was stopped: the worker invocation ran out of time`));
      });
    }
    if (options.softTimeLimitSeconds !== undefined) {
      after(options.softTimeLimitSeconds * 1000, () =>
        this.controller.abort(new SoftTimeLimitExceededError(`Task ${label} passed its soft time limit of ${options.softTimeLimitSeconds} s`)),
      );
    }
    if (options.timeLimitSeconds !== undefined) {
      after(options.timeLimitSeconds * 1000, () => {
        const error = new TimeLimitExceededError(`Task ${label} passed its time limit of ${options.timeLimitSeconds} s and was stopped`);
        this.controller.abort(error);
        stop({ kind: 'time-limit', error });
      });
    }
    if (options.revokeCheck) {
      const { intervalMs, check } = options.revokeCheck;
      let checking = false;
      this.interval = setInterval(() => {
        if (checking) return;
        checking = true;
        check()
          .then((reason) => {
            if (reason === undefined) return;
            this.controller.abort(new TaskRevokedError(label, reason));
            stop({ kind: 'terminated', reason });
          })
          .catch(() => undefined) // a failed check is tried again at the next tick
          .finally(() => (checking = false));
      }, intervalMs);
    }
  }

  /** Clears the timers. */
  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    if (this.interval) clearInterval(this.interval);
  }
}
