import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { ensureMotoInstalled } from '../../../sdk/dev/emulator/index.js';

const run = promisify(execFile);

/** A function's deployment package as `cdk synth` left it in the cloud assembly. */
export interface FunctionPackage {
  /** The asset directory CDK zips and uploads (`cdk.out/asset.<hash>`). */
  readonly dir: string;
  /** The object key the template's `Code.S3Key` names (`<hash>.zip`). */
  readonly objectKey: string;
  /** The function's `Handler`, e.g. `index.handler`. */
  readonly handler: string;
}

interface AssetManifest {
  readonly files: Record<
    string,
    { readonly source: { readonly path: string; readonly packaging?: string }; readonly destinations: Record<string, { readonly objectKey: string }> }
  >;
}

/**
 * Finds the deployment package of the `AWS::Lambda::Function` with this logical id through the
 * stack's template (`Code.S3Key`) and its asset manifest (which asset directory becomes that key):
 * whatever entry the construct bundled, this is what `cdk deploy` would upload.
 *
 * @throws {Error} when the function, or the asset behind its key, is not in the assembly.
 * @example
 * const pkg = functionPackage(assembly, 'CeleriacExample', logicalId(celeriac.workerFunction));
 */
export function functionPackage(assembly: CloudAssembly, stackName: string, functionLogicalId: string): FunctionPackage {
  const stack = assembly.getStackByName(stackName);
  const resource = (stack.template as { Resources: Record<string, { Type: string; Properties: { Handler: string; Code: { S3Key?: string } } }> }).Resources[
    functionLogicalId
  ];
  if (resource?.Type !== 'AWS::Lambda::Function' || !resource.Properties.Code.S3Key)
    throw new Error(`${stackName} has no function ${functionLogicalId} with code in S3`);
  const objectKey = resource.Properties.Code.S3Key;
  const manifestArtifact = stack.dependencies.find((artifact) => artifact.id === `${stack.id}.assets`);
  const manifestFile = manifestArtifact
    ? path.join(assembly.directory, (manifestArtifact.manifest.properties as { file: string }).file)
    : path.join(assembly.directory, `${stack.id}.assets.json`);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as AssetManifest;
  const asset = Object.values(manifest.files).find((file) => Object.values(file.destinations).some((destination) => destination.objectKey === objectKey));
  if (asset?.source.packaging !== 'zip') throw new Error(`no zip asset uploads to ${objectKey} in ${manifestFile}`);
  return { dir: path.join(assembly.directory, asset.source.path), objectKey, handler: resource.Properties.Handler };
}

/**
 * Zips a directory as cdk-assets does for a `zip` asset (its files at the archive's root), with the
 * emulator venv's Python.
 *
 * @throws {Error} when Python fails.
 * @example
 * await zipDirectory(pkg.dir, '/tmp/worker.zip');
 */
export async function zipDirectory(dir: string, zipFile: string): Promise<void> {
  const python = path.join(path.dirname(await ensureMotoInstalled()), 'python');
  await run(python, ['-c', 'import shutil, sys; shutil.make_archive(sys.argv[1], "zip", sys.argv[2])', zipFile.replace(/\.zip$/, ''), dir]);
}
