import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { expect, it } from 'vitest';
import { CeleriacApp } from '../../infra/index.js';
import { app, tasksModule } from '../fixtures/infra-app.js';
import { logicalId, statementsOfRole, testStack } from './synth.js';

it('grantControl gives a role the table actions of chords, idempotency keys and revoke, on the results table only', () => {
  const stack = testStack();
  const celeriac = new CeleriacApp(stack, 'Celeriac', { app, tasksModule });
  const web = new iam.Role(stack, 'Web', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  celeriac.grantControl(web);
  const statements = statementsOfRole(Template.fromStack(stack), logicalId(web));
  expect(statements).toHaveLength(1);
  expect(statements[0]!.actions).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
  expect(JSON.stringify(statements[0]!.resources)).toContain(logicalId(celeriac.table));
});
