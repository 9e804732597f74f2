/**
 * A composition root: the inspector (sdk/inspect) over the AWS adapters of its ports (sdk/aws).
 * Layers below never import each other sideways; files directly under sdk/ join them.
 */
import { awsInspectionPorts, type AwsInspectionOptions } from './aws/inspection.js';
import type { App } from './core/app.js';
import { Inspector, type LocalCounters } from './inspect/inspector.js';

/** Options of {@link createAwsInspector}. */
export interface AwsInspectorOptions extends AwsInspectionOptions {
  /**
   * Live counters of a local runtime.
   * @default - none
   */
  readonly localCounters?: LocalCounters;
}

/**
 * The inspector of an app on AWS (or an emulator): task records from DynamoDB, queues on SQS, and
 * the worker functions' metrics from CloudWatch when `workerFunctions` names them.
 * @throws {OptionsError} when `workerFunctions` names a queue the app does not declare.
 * @example
 * const inspector = createAwsInspector(app, {
 *   redriveMethod: process.env.AWS_ENDPOINT_URL ? 'copy' : 'move-task',
 *   workerFunctions: process.env.CELERIAC_WORKER_FUNCTIONS,
 * });
 */
export function createAwsInspector(app: App, options: AwsInspectorOptions = {}): Inspector {
  const { localCounters, ...aws } = options;
  return new Inspector({ app, ...awsInspectionPorts(app, aws), ...(localCounters ? { localCounters } : {}) });
}
