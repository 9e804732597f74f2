import type { HookEvents, HookName, Hooks } from '../core/hooks.js';

/**
 * The worker's hooks for one message: each `fire()` starts the handlers at once, without waiting;
 * `settle()` waits for them after the message's disposition is decided and its effects are done,
 * bounded, so a slow or hung handler never holds the acknowledgement hostage. Handler errors go to
 * the app's hook `onError` (logged), never to the task.
 */
export class HookRunner {
  private readonly running: Promise<void>[] = [];

  constructor(private readonly hooks: Hooks) {}

  /** Starts the handlers of `name` (concurrently); a name without handlers costs nothing. */
  fire<K extends HookName>(name: K, event: HookEvents[K]): void {
    if (this.hooks.has(name)) this.running.push(this.hooks.emitConcurrently(name, event));
  }

  /**
   * Waits for the handlers started so far, at most `boundMs`. Resolves with how many were still
   * running when the bound passed (0 when all finished). Never throws.
   */
  async settle(boundMs: number): Promise<number> {
    if (this.running.length === 0) return 0;
    let finished = 0;
    const all = Promise.all(
      this.running.map(async (emission) => {
        await emission;
        finished += 1;
      }),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bound = new Promise<'bound'>((resolve) => {
      timer = setTimeout(() => resolve('bound'), Math.max(0, boundMs));
    });
    try {
      return (await Promise.race([all, bound])) === 'bound' ? this.running.length - finished : 0;
    } finally {
      clearTimeout(timer);
    }
  }
}
