import { readFileSync } from 'node:fs';
import { App, type AppProps, type CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';

/** The context `cdk synth` runs with (feature flags), so test templates match real ones. */
export const cdkContext: Record<string, unknown> = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }
).context;

/**
 * A CDK app for template tests: cdk.json's context, no built-in CloudFormation validation and, unless
 * `bundle` is set, no esbuild bundling (both cost seconds per synth).
 */
export function testApp(options: { bundle?: boolean } & Omit<AppProps, 'context'> = {}): App {
  const { bundle = false, ...props } = options;
  return new App({
    ...props,
    builtinCloudFormationValidation: false,
    context: { ...cdkContext, ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
}

/** A stack in a {@link testApp}. */
export function testStack(id = 'Test'): Stack {
  return new Stack(testApp(), id);
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
}

/** One IAM policy statement, its resources reduced to the logical ids of the resources they name. */
export interface Statement {
  readonly effect: string;
  readonly actions: string[];
  /** Logical ids of `Fn::GetAtt [id, 'Arn']` references; anything else kept as JSON text. */
  readonly resources: string[];
}

/** The Allow/Deny statements of every `AWS::IAM::Policy` attached to the role `roleId`. */
export function statementsOfRole(template: Template, roleId: string): Statement[] {
  const policies = Object.values(template.toJSON().Resources as Record<string, CfnResource>).filter(
    (resource) =>
      resource.Type === 'AWS::IAM::Policy' && (resource.Properties.Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleId })),
  );
  return policies.flatMap((policy) =>
    (policy.Properties.PolicyDocument as { Statement: RawStatement[] }).Statement.map((statement) => ({
      effect: statement.Effect,
      actions: [statement.Action].flat().sort(),
      resources: [statement.Resource].flat().map(resourceName).sort(),
    })),
  );
}

interface CfnResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}

interface RawStatement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

function resourceName(resource: unknown): string {
  const getAtt = (resource as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  return getAtt?.[1] === 'Arn' ? getAtt[0] : JSON.stringify(resource);
}
