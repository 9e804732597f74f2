/** A compiled `taskRoutes` table: name patterns to queues. */
export type TaskRoutes = readonly { readonly pattern: RegExp; readonly source: string; readonly queue: string }[];

/**
 * Compiles `taskRoutes` (`*` matches any characters, everything else literally).
 * @example
 * routeTask(compileTaskRoutes({ 'billing.*': 'high' }), 'billing.charge') // 'high'
 */
export function compileTaskRoutes(routes: Readonly<Record<string, string>> = {}): TaskRoutes {
  return Object.entries(routes).map(([source, queue]) => ({
    source,
    queue,
    pattern: new RegExp(
      `^${source
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    ),
  }));
}

/** The queue of the first route matching `taskName`, or undefined. */
export function routeTask(routes: TaskRoutes, taskName: string): string | undefined {
  return routes.find((route) => route.pattern.test(taskName))?.queue;
}

/**
 * The queue of tasks that name none: the configured one, else `default` when declared, else the
 * first declared.
 */
export function chooseDefaultQueue(declared: readonly string[], configured: string | undefined, fallback: string): string {
  return configured ?? (declared.includes(fallback) ? fallback : (declared[0] ?? fallback));
}
