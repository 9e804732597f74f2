import type { StoredError } from './errors.js';
import type { JsonValue } from './json.js';
import type { AnyState } from './states.js';

/** What each hook receives (Celery: its signals `before_task_publish`, `task_prerun`…). */
export interface HookEvents {
  /** A task is about to be sent. Handlers may add `headers` (e.g. a trace id); they travel with it. */
  beforePublish: { readonly id: string; readonly task: string; readonly queue: string; readonly headers: Record<string, JsonValue> };
  /** A task was accepted by its queue. */
  afterPublish: { readonly id: string; readonly task: string; readonly queue: string };
  /** The worker is about to run a task. */
  prerun: { readonly id: string; readonly task: string; readonly args: readonly unknown[]; readonly retries: number };
  /** The worker ran a task, whatever the outcome; `state` is what it recorded. */
  postrun: { readonly id: string; readonly task: string; readonly state: AnyState; readonly runtimeMs: number };
  /** A task returned a value. */
  success: { readonly id: string; readonly task: string; readonly result: JsonValue; readonly runtimeMs: number };
  /** A task failed for good. */
  failure: { readonly id: string; readonly task: string; readonly error: StoredError };
  /** A task will be tried again after `countdownSeconds`. */
  retry: { readonly id: string; readonly task: string; readonly retries: number; readonly countdownSeconds: number; readonly error: StoredError };
  /** A task was revoked (by `revoke()`, terminated while running, or expired). */
  revoked: { readonly id: string; readonly task?: string; readonly reason: string; readonly terminated: boolean };
}

/** Name of a hook. */
export type HookName = keyof HookEvents;

/** A hook handler. Its errors are reported, never passed on to the task. */
export type HookHandler<K extends HookName> = (event: HookEvents[K]) => void | Promise<void>;

/**
 * Typed hooks for logging and tracing. Publish hooks run in the order they were added and are
 * awaited before the message is sent. The worker's hooks (`prerun` … `revoked`) start in that order
 * but run concurrently, and the worker waits for them, bounded, only after it has settled what
 * becomes of the message (see `WorkerOptions.hookTimeoutMs`). A handler that throws is reported to
 * `onError` and does not change the task's outcome.
 * @example
 * app.hooks.on('failure', ({ id, task, error }) => logger.error({ id, task, error }));
 */
export class Hooks {
  private readonly handlers = new Map<HookName, HookHandler<never>[]>();

  constructor(
    /** Receives a handler's error. */
    private readonly onError: (name: HookName, error: unknown) => void = (name, error) => console.error(`celeriac: ${name} hook failed:`, error),
  ) {}

  /** Adds a handler; returns a function that removes it. */
  on<K extends HookName>(name: K, handler: HookHandler<K>): () => void {
    const list = this.handlers.get(name) ?? [];
    list.push(handler as HookHandler<never>);
    this.handlers.set(name, list);
    return () => {
      const index = list.indexOf(handler as HookHandler<never>);
      if (index >= 0) list.splice(index, 1);
    };
  }

  /** True when `name` has a handler (so callers can skip building the event). */
  has(name: HookName): boolean {
    return (this.handlers.get(name)?.length ?? 0) > 0;
  }

  /**
   * Runs the handlers of `name` at once, concurrently (the worker's hooks: none waits for another).
   * Settles when all have; a handler's error goes to `onError`. Never throws.
   */
  async emitConcurrently<K extends HookName>(name: K, event: HookEvents[K]): Promise<void> {
    const handlers = [...(this.handlers.get(name) ?? [])] as HookHandler<K>[];
    await Promise.all(
      handlers.map(async (handler) => {
        try {
          await handler(event);
        } catch (error) {
          this.onError(name, error);
        }
      }),
    );
  }

  /** Runs the handlers of `name` one after another, in order (`beforePublish` handlers build the headers). Never throws. */
  async emit<K extends HookName>(name: K, event: HookEvents[K]): Promise<void> {
    for (const handler of this.handlers.get(name) ?? []) {
      try {
        await (handler as HookHandler<K>)(event);
      } catch (error) {
        this.onError(name, error);
      }
    }
  }
}
