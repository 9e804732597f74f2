import { OptionsError } from '../errors.js';

/**
 * Reads which Lambda function works each queue: a bare function name for every queue (the
 * `CeleriacApp` construct's one worker), or `queue=function` pairs, separated by commas or spaces.
 * @throws {OptionsError} when a pair names a queue the app does not declare, or is empty on a side.
 * @example
 * parseWorkerFunctions('shop-Worker-AbC123', ['default', 'exports']);          // both queues → that function
 * parseWorkerFunctions('default=shop-worker,exports=shop-exports', ['default', 'exports']);
 */
export function parseWorkerFunctions(spec: string, queues: readonly string[]): ReadonlyMap<string, string> {
  const functions = new Map<string, string>();
  for (const entry of spec.split(/[\s,]+/).filter(Boolean)) {
    const eq = entry.indexOf('=');
    if (eq === -1) {
      for (const queue of queues) if (!functions.has(queue)) functions.set(queue, entry);
      continue;
    }
    const queue = entry.slice(0, eq);
    const name = entry.slice(eq + 1);
    if (!queue || !name) throw new OptionsError(`Worker functions: "${entry}" must be a function name or queue=function.`);
    if (!queues.includes(queue)) {
      throw new OptionsError(`Worker functions: "${entry}" names queue "${queue}", which the app does not declare (declared: ${queues.join(', ')}).`);
    }
    functions.set(queue, name);
  }
  return functions;
}
