import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { App } from '../sdk/core/app.js';
import { CeleriacApp } from './celeriac-app.js';

/** Properties of an {@link ExampleStack}. */
export interface ExampleStackProps extends StackProps {
  /** The celeriac app to provision. */
  readonly app: App;
  /** Path of the module exporting `app` (see `CeleriacAppProps.tasksModule`). */
  readonly tasksModule: string;
}

/**
 * A stack holding one celeriac app, with its queue URLs and results table name as outputs.
 * @example
 * new ExampleStack(cdkApp, 'CeleriacExample', { app, tasksModule: 'examples/app/tasks.ts' });
 */
export class ExampleStack extends Stack {
  /** The provisioned celeriac app. */
  readonly celeriac: CeleriacApp;

  constructor(scope: Construct, id: string, props: ExampleStackProps) {
    super(scope, id, props);
    this.celeriac = new CeleriacApp(this, 'Celeriac', { app: props.app, tasksModule: props.tasksModule });
    for (const [name, queue] of this.celeriac.queues) {
      new CfnOutput(this, `QueueUrl-${name}`, { value: queue.queueUrl, description: `URL of the "${name}" task queue` });
    }
    new CfnOutput(this, 'ResultsTableName', { value: this.celeriac.table.tableName, description: 'Table of task records' });
    new CfnOutput(this, 'ListingTableName', { value: this.celeriac.listingTable.tableName, description: 'Table of task listings (the dashboard)' });
    new CfnOutput(this, 'WorkerFunctionName', {
      value: this.celeriac.workerFunction.functionName,
      description: 'Worker Lambda function: celeriac dashboard / inspect workers --worker-functions <this> read its CloudWatch metrics',
    });
  }
}
