import type { Hooks } from './hooks.js';
import type { Clock } from './ports/clock.js';
import type { ResultBackend, RevokeOutcome } from './ports/result-backend.js';

/** Options of `revoke()` (Celery: `revoke(terminate=…)`). */
export interface RevokeOptions {
  /**
   * Also stop the task if it is running: its `signal` aborts with `TaskRevokedError` and its record
   * becomes REVOKED. The worker notices within its `revokeCheckIntervalMs`.
   * @default false
   */
  readonly terminate?: boolean;
  /**
   * Why, recorded with the REVOKED state.
   * @default 'revoked by request'
   */
  readonly reason?: string;
}

/** Called by `revoke()` after the backend recorded it: how other parts (e.g. a scheduler holding a delayed task) drop the task too. */
export type RevokeHandler = (id: string, outcome: RevokeOutcome) => void | Promise<void>;

/** What revoking needs from the app. */
export interface RevocationHost {
  readonly clock: Clock;
  readonly hooks: Hooks;
  readonly resultExpiresSeconds: number;
  backend(): ResultBackend;
}

/**
 * Revokes tasks (Celery: `app.control.revoke`) and runs the handlers other parts registered, in the
 * order they were added.
 */
export class Revocation {
  private readonly handlers: RevokeHandler[] = [];

  constructor(private readonly host: RevocationHost) {}

  /** Adds a handler run after each recorded revoke. */
  add(handler: RevokeHandler): void {
    this.handlers.push(handler);
  }

  /** Records the revoke, emits `revoked`, then runs the handlers. */
  async revoke(id: string, options: RevokeOptions): Promise<RevokeOutcome> {
    const now = this.host.clock.now();
    const reason = options.reason ?? 'revoked by request';
    const outcome = await this.host.backend().revoke({
      id,
      reason,
      terminate: options.terminate ?? false,
      now: new Date(now),
      expiresAt: Math.ceil(now / 1000) + this.host.resultExpiresSeconds,
    });
    if (outcome.status === 'revoked') await this.host.hooks.emit('revoked', { id, reason, terminated: false });
    for (const handler of this.handlers) await handler(id, outcome);
    return outcome;
  }
}
