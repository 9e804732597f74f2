import { formatWorkerEvent, type WorkerEvent } from './events.js';
import { emfFields } from './metrics.js';

/**
 * The default logger: one JSON line per event; task outcomes carry CloudWatch Embedded Metric Format
 * fields; task results are left out unless `logPayloads`.
 */
export const jsonLog =
  (appName: string, logPayloads: boolean) =>
  (event: WorkerEvent): void => {
    const shown: WorkerEvent =
      event.type === 'succeeded' && !logPayloads ? { type: event.type, id: event.id, task: event.task, runtimeMs: event.runtimeMs } : event;
    const level = event.type === 'failed' || event.type === 'rejected' || event.type === 'error' || event.type === 'listing-failed' ? 'error' : 'info';
    console.log(JSON.stringify({ level, message: formatWorkerEvent(shown), ...shown, ...emfFields(appName, event, Date.now()) }));
  };
