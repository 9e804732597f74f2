import { readFileSync } from 'node:fs';
import {
  type CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

/** moto's account and region, where `cdk deploy`'s bootstrap would be. */
export const MOTO_ACCOUNT = '123456789012';
export const MOTO_REGION = 'us-east-1';

/**
 * Resource types moto's CloudFormation (5.2) cannot create, and why. The deploy leaves them out and
 * the template assertions cover them; every other resource is created by the engine.
 */
export const MOTO_UNSUPPORTED_TYPES: Readonly<Record<string, string>> = {
  'AWS::Scheduler::ScheduleGroup':
    "moto models no Scheduler resource in CloudFormation (its Scheduler API works, but CreateStack fails with 'Fn::GetAtt references undefined resource')",
  'AWS::Scheduler::Schedule': 'moto models no Scheduler resource in CloudFormation; it would also never fire the schedule',
  'AWS::SQS::QueuePolicy': 'moto has no CloudFormation model for queue policies (and enforces no resource policy)',
  'AWS::Lambda::Url': 'moto has no CloudFormation model for function URLs',
  'AWS::SecretsManager::Secret': 'moto has no CloudFormation model for Secrets Manager secrets',
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, Json>; DependsOn?: string | string[] }>;
  Rules?: Record<string, Json>;
  [section: string]: Json | undefined | Template['Resources'];
}

/** A template as moto's engine can create it, and the resources left out (logical id → type). */
export interface MotoTemplate {
  readonly body: string;
  readonly omitted: ReadonlyMap<string, string>;
}

/**
 * Rewrites a synthesized template for moto's CloudFormation: drops the bootstrap-version rule (moto
 * evaluates no Rules) and the resources of {@link MOTO_UNSUPPORTED_TYPES}, replacing what referred to
 * a schedule group by the name and ARN AWS would give it.
 *
 * @throws {Error} when something still refers to a dropped resource it cannot stand in for.
 * @example
 * const { body } = forMoto(JSON.parse(readFileSync(file, 'utf8')));
 */
export function forMoto(source: Template): MotoTemplate {
  const template = structuredClone(source);
  delete template.Rules;
  const omitted = new Map<string, string>();
  const standIns = new Map<string, { ref: Json; attributes: Record<string, Json> }>();
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (!(resource.Type in MOTO_UNSUPPORTED_TYPES)) continue;
    omitted.set(id, resource.Type);
    if (resource.Type === 'AWS::Scheduler::ScheduleGroup') {
      const name = resource.Properties!.Name as string;
      const arn = { 'Fn::Sub': `arn:\${AWS::Partition}:scheduler:\${AWS::Region}:\${AWS::AccountId}:schedule-group/${name}` };
      standIns.set(id, { ref: name, attributes: { Arn: arn, Name: name } });
    }
    delete template.Resources[id];
  }
  const replace = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(replace);
    if (value === null || typeof value !== 'object') return value;
    const ref = value.Ref;
    if (typeof ref === 'string' && omitted.has(ref)) return standIn(ref, 'Ref');
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string' && omitted.has(getAtt[0])) return standIn(getAtt[0], String(getAtt[1]));
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, replace(inner)]));
  };
  const standIn = (id: string, attribute: string): Json => {
    const known = standIns.get(id);
    const value = attribute === 'Ref' ? known?.ref : known?.attributes[attribute];
    if (value === undefined) throw new Error(`the template refers to ${attribute} of ${id} (${omitted.get(id)}), which moto cannot create`);
    return value;
  };
  for (const resource of Object.values(template.Resources)) {
    if (resource.Properties) resource.Properties = replace(resource.Properties) as Record<string, Json>;
    if (resource.DependsOn !== undefined) {
      const kept = [resource.DependsOn].flat().filter((id) => !omitted.has(id));
      if (kept.length) resource.DependsOn = kept;
      else delete resource.DependsOn;
    }
  }
  if (template.Outputs) template.Outputs = replace(template.Outputs as Json);
  return { body: JSON.stringify(template), omitted };
}

/**
 * What `cdk bootstrap` leaves in an account and `cdk deploy` uploads: the bootstrap version
 * parameter, the asset bucket and each function's zip.
 *
 * @example
 * await bootstrapLikeCdk([{ objectKey: pkg.objectKey, zipFile }]);
 */
export async function bootstrapLikeCdk(assets: readonly { readonly objectKey: string; readonly zipFile: string }[]): Promise<void> {
  const ssm = new SSMClient({});
  const s3 = new S3Client({ forcePathStyle: true });
  try {
    await ssm.send(new PutParameterCommand({ Name: '/cdk-bootstrap/hnb659fds/version', Value: '30', Type: 'String', Overwrite: true }));
    const bucket = `cdk-hnb659fds-assets-${MOTO_ACCOUNT}-${MOTO_REGION}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: Error) => {
      if (error.name !== 'BucketAlreadyOwnedByYou') throw error;
    });
    for (const asset of assets) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: asset.objectKey, Body: readFileSync(asset.zipFile) }));
  } finally {
    ssm.destroy();
    s3.destroy();
  }
}

/**
 * CreateStack, then waits for CREATE_COMPLETE.
 *
 * @throws {Error} listing the stack's failed events when it ends in any other state.
 * @example
 * const stack = await createStack(cfn, 'CeleriacExample', body);
 */
export async function createStack(cfn: CloudFormationClient, stackName: string, templateBody: string, timeoutMs = 120_000): Promise<Stack> {
  await cfn.send(new CreateStackCommand({ StackName: stackName, TemplateBody: templateBody, Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'] }));
  return waitForStack(cfn, stackName, 'CREATE_COMPLETE', timeoutMs);
}

/**
 * DeleteStack, then waits until the stack is gone (DELETE_COMPLETE).
 * @example
 * await deleteStack(cfn, 'CeleriacExample');
 */
export async function deleteStack(cfn: CloudFormationClient, stackName: string, timeoutMs = 120_000): Promise<void> {
  const [stack] = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks ?? [];
  await cfn.send(new DeleteStackCommand({ StackName: stackName }));
  await waitForStack(cfn, stack?.StackId ?? stackName, 'DELETE_COMPLETE', timeoutMs);
}

async function waitForStack(cfn: CloudFormationClient, stackName: string, wanted: string, timeoutMs: number): Promise<Stack> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [stack] = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks ?? [];
    const status = stack?.StackStatus ?? 'DELETE_COMPLETE';
    if (status === wanted) return stack!;
    if (!status.endsWith('_IN_PROGRESS') || Date.now() > deadline) {
      const events = (await cfn.send(new DescribeStackEventsCommand({ StackName: stackName }))).StackEvents ?? [];
      const failures = events
        .filter((event) => /FAILED/.test(event.ResourceStatus ?? ''))
        .map((event) => `${event.LogicalResourceId}: ${event.ResourceStatus} ${event.ResourceStatusReason ?? ''}`);
      throw new Error(`stack ${stackName} is ${status}, not ${wanted}${failures.length ? `:\n${failures.join('\n')}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
