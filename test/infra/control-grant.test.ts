import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { expect, it } from 'vitest';
import { CeleriacApp } from '../../infra/index.js';
import { app, tasksModule } from '../fixtures/infra-app.js';
import { logicalId, statementsOfRole, testStack } from './synth.js';

it('grantControl gives a role the table actions of chords, idempotency keys and revoke on the results table, and listing a revoked task', () => {
  const stack = testStack();
  const celeriac = new CeleriacApp(stack, 'Celeriac', { app, tasksModule });
  const web = new iam.Role(stack, 'Web', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  celeriac.grantControl(web);
  const statements = statementsOfRole(Template.fromStack(stack), logicalId(web));
  expect(statements).toEqual([
    {
      effect: 'Allow',
      actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resources: [logicalId(celeriac.table)],
    },
    { effect: 'Allow', actions: ['dynamodb:PutItem'], resources: [logicalId(celeriac.listingTable)] },
  ]);
});
