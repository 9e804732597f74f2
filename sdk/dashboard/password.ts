import { timingSafeEqual } from 'hono/utils/buffer';

/** How long a password read from a store is trusted after a failed check before it is read again. */
export const PASSWORD_REFRESH_MS = 60_000;

/** How long a failed read of the store is answered from memory (an error) before the store is asked again. */
export const PASSWORD_RETRY_MS = 5_000;

/** Reads the dashboard's password from where it is kept (e.g. a Secrets Manager secret). */
export type PasswordLoader = () => Promise<string>;

/** Options of {@link CachedPassword}. */
export interface CachedPasswordOptions {
  /**
   * Least time between two reads of the store, however many checks fail.
   * @default 60000 (one minute)
   */
  readonly refreshMs?: number;
  /**
   * Clock, in milliseconds.
   * @default Date.now
   */
  readonly now?: () => number;
}

/**
 * A password kept in a store, read once and cached. A check that fails reads the store again if the
 * cached value is at least `refreshMs` old, so a rotated password works within a minute without
 * letting wrong guesses hammer the store. Comparisons run in constant time.
 * @example
 * const password = new CachedPassword(() => readSecret('shop-dashboard'));
 * password.preload();                                  // at cold start
 * await password.check(supplied);                       // true or false
 */
export class CachedPassword {
  private value: Promise<string> | undefined;
  private failed = false;
  private readAt = Number.NEGATIVE_INFINITY;
  private readonly refreshMs: number;
  private readonly now: () => number;

  constructor(
    private readonly load: PasswordLoader,
    options: CachedPasswordOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? PASSWORD_REFRESH_MS;
    this.now = options.now ?? Date.now;
  }

  /** Starts reading the password now (a cold start), without waiting; a failed read is retried by a check 5 s later or more. */
  preload(): void {
    this.current().catch(() => undefined);
  }

  /**
   * True when `supplied` is the password, compared in constant time; after a mismatch, reads the store
   * again (at most once every `refreshMs`) and compares with the new value.
   * @throws {Error} when the password cannot be read from its store.
   */
  async check(supplied: string): Promise<boolean> {
    if (await timingSafeEqual(await this.current(), supplied)) return true;
    if (this.now() - this.readAt < this.refreshMs) return false;
    this.value = undefined;
    return timingSafeEqual(await this.current(), supplied);
  }

  private current(): Promise<string> {
    if (!this.value || (this.failed && this.now() - this.readAt >= PASSWORD_RETRY_MS)) {
      this.readAt = this.now();
      this.failed = false;
      const reading = this.load();
      this.value = reading;
      reading.catch(() => {
        if (this.value === reading) this.failed = true;
      });
    }
    return this.value;
  }
}
