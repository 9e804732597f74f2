/**
 * celeriac as a user meets it: packed, installed into a new project outside this repository,
 * scaffolded with `celeriac init`, type-checked against the shipped declarations, run, tested and
 * synthesized there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { run, userEnv, waitForOutput, type Run } from './project.js';

/** Packed size the tarball must stay under (README, "Installing"). */
const PACKED_BUDGET_BYTES = 300 * 1024;

const repo = fileURLToPath(new URL('../..', import.meta.url));
const endpoint = inject('awsEndpoint');
const appName = `consumer-${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;

interface PackedFile {
  readonly path: string;
  readonly size: number;
}

describe('celeriac installed in a project of its own', { timeout: 300_000 }, () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'celeriac-consumer-'));
  const project = path.join(scratch, 'shop-service');
  let tarball: string;
  let packed: { size: number; files: PackedFile[] };
  let dev: ChildProcess | undefined;
  const env = userEnv({ AWS_ENDPOINT_URL: endpoint });
  const inProject = (command: string, args: readonly string[], options: { timeoutMs?: number; allowFailure?: boolean } = {}): Promise<Run> =>
    run(command, args, { cwd: project, env, ...options });

  let node22: string;

  beforeAll(async () => {
    // Lambda's runtime and the current LTS: Node.js 22, from npm (kept in .celeriac/ between runs).
    node22 = path.join(repo, '.celeriac', 'node22', 'node_modules', 'node', 'bin', 'node');
    if (!existsSync(node22)) {
      await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-save', '--prefix', path.join(repo, '.celeriac', 'node22'), 'node@22'], {
        cwd: repo,
        env: userEnv({}),
        timeoutMs: 180_000,
      });
    }
    // What a release does: `npm pack` builds (prepack) and packs.
    const pack = await run('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: repo, env: userEnv({}), timeoutMs: 240_000 });
    const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as [{ filename: string; size: number; files: PackedFile[] }];
    tarball = path.join(scratch, info.filename);
    packed = info;

    // A new service, as `npm init -y` makes it; then what the README tells a user to run.
    await run('mkdir', ['-p', project], { cwd: scratch, env });
    await inProject('npm', ['init', '-y']);
    await inProject('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { timeoutMs: 240_000 });
    await inProject('npx', ['--no-install', 'celeriac', 'init', '--name', appName]);
    await inProject('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { timeoutMs: 240_000 });
  }, 600_000);

  afterAll(() => {
    if (dev?.exitCode === null) dev.kill('SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
  });

  it('packs only what runs, under the size budget', () => {
    const offending = packed.files.map((f) => f.path).filter((p) => /^(test|bench|docs|examples|functions|\.ci)\/|\.png$|\.test\.ts$/.test(p));
    expect(offending).toEqual([]);
    expect(packed.files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['dist/sdk/index.js', 'dist/sdk/index.d.ts', 'dist/sdk/cli/main.js', 'dist/sdk/lambda/index.js', 'dist/infra/index.js']),
    );
    expect(packed.size).toBeLessThan(PACKED_BUDGET_BYTES);
  });

  it('passes publint and are-the-types-wrong with no error', async () => {
    const publint = await run(path.join(repo, 'node_modules/.bin/publint'), ['run', tarball, '--strict'], { cwd: repo, env });
    expect(publint.stdout).toContain('All good!');
    // ESM only: `require()` of it works from Node 20.19 on (checked below), which attw's node16-cjs resolution does not model.
    const attw = await run(path.join(repo, 'node_modules/.bin/attw'), [tarball, '--profile', 'esm-only', '--format', 'table-flipped'], { cwd: repo, env });
    expect(attw.code).toBe(0);
  });

  it('scaffolds the project: tasks, enqueue script, CDK app, unit test, scripts and the app setting', () => {
    const pkg = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    expect(pkg.type).toBe('module');
    expect(pkg.celeriac).toEqual({ app: 'src/tasks.ts' });
    expect(Object.keys(pkg.scripts!)).toEqual(expect.arrayContaining(['dev', 'test', 'synth', 'deploy']));
    expect(pkg.dependencies!.celeriac).toMatch(/^file:/);
    for (const file of ['src/tasks.ts', 'src/enqueue.ts', 'infra/app.ts', 'test/tasks.test.ts', 'cdk.json', 'tsconfig.json', 'README.md']) {
      expect(readdirSync(path.join(project, path.dirname(file)))).toContain(path.basename(file));
    }
  });

  it('refuses to scaffold over existing files without --force', async () => {
    const again = await inProject('npx', ['--no-install', 'celeriac', 'init'], { allowFailure: true });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/would overwrite src\/tasks\.ts.*--force/);
  });

  it('type-checks the user code against the shipped declarations, strict and without skipLibCheck', async () => {
    const tsc = await inProject('npx', ['--no-install', 'tsc', '--noEmit', '--skipLibCheck', 'false', '--strict'], { timeoutMs: 180_000, allowFailure: true });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  });

  it("passes the scaffold's own unit test (celeriac/testing)", async () => {
    const test = await inProject('npm', ['test'], { timeoutMs: 120_000 });
    expect(test.stdout).toMatch(/Tests\s+.*2 passed/);
  });

  it('loads from CommonJS with require()', async () => {
    writeFileSync(
      path.join(project, 'check.cjs'),
      [
        "const { createApp } = require('celeriac');",
        "const { useTestTransport } = require('celeriac/testing');",
        "const app = createApp({ name: 'cjs-check' });",
        "const double = app.task('math.double', async (n) => n * 2);",
        'const env = useTestTransport(app);',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the line is JavaScript source written to a file; its template literal is the user's
        'double.delay(21).then(async (r) => { await env.runUntilIdle(); console.log(`double: ${await r.get()}`); });',
      ].join('\n'),
    );
    const cjs = await inProject('node', ['check.cjs']);
    expect(cjs.stdout.trim()).toBe('double: 42');
    const onNode22 = await inProject(node22, ['check.cjs']);
    expect(onNode22.stdout.trim()).toBe('double: 42');
  });

  it("runs the user's task under `celeriac dev`, sent by the compiled user code on plain node", async () => {
    await inProject('npx', ['--no-install', 'tsc', '--outDir', 'build'], { timeoutMs: 180_000 });
    dev = spawn(path.join(project, 'node_modules/.bin/celeriac'), ['dev', '--dashboard-port', '0', '--concurrency', '1'], {
      cwd: project,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const devOutput = waitForOutput(dev);
    await devOutput.until(/Dashboard: http/, 60_000);
    expect(devOutput.text()).toContain(`app:       ${appName}  (2 tasks: math.add, hello.greet)`);

    const enqueue = await inProject('node', ['build/src/enqueue.js'], { timeoutMs: 60_000 });
    expect(enqueue.stdout).toMatch(/^sent math\.add as [0-9a-f-]{36}\nresult: 8$/m);
    const id = /sent math\.add as (\S+)/.exec(enqueue.stdout)![1]!;
    await devOutput.until(new RegExp(`math\\.add\\[${id}\\] succeeded`), 10_000);

    // The CLI finds the app through package.json, with no --app.
    const result = await inProject('node_modules/.bin/celeriac', ['result', id, '--json']);
    expect(JSON.parse(result.stdout)).toMatchObject({ id, state: 'SUCCESS', result: 8 });
    dev.kill('SIGTERM');
  });

  it("synthesizes a stack whose worker bundle holds the user's tasks and none of the example's", async () => {
    const synth = await inProject('npx', ['--no-install', 'cdk', 'synth', '--quiet'], { timeoutMs: 180_000 });
    expect(synth.code).toBe(0);
    const out = path.join(project, 'cdk.out');
    const templateFile = readdirSync(out).find((f) => f.endsWith('.template.json'))!;
    const template = JSON.parse(readFileSync(path.join(out, templateFile), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const workers = Object.values(template.Resources).filter(
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        (r.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.CELERIAC_APP === appName,
    );
    expect(workers).toHaveLength(1);
    const s3Key = (workers[0]!.Properties.Code as { S3Key: string }).S3Key;
    const bundle = readFileSync(path.join(out, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.mjs'), 'utf8');
    expect(bundle).toContain('math.add');
    expect(bundle).toContain('hello.greet');
    for (const foreign of ['email.send', 'celeriac-example', 'reports.export_users', 'sms.send_code']) expect(bundle).not.toContain(foreign);

    // The bundle starts on Lambda's Node.js 22 (the AWS SDK comes from the runtime there, from the project here).
    const bundlePath = path.join(out, `asset.${s3Key.replace(/\.zip$/, '')}`, 'index.mjs');
    const probe = path.join(project, 'probe.mjs');
    writeFileSync(probe, `const m = await import(${JSON.stringify(pathToFileURL(bundlePath).href)}); console.log(typeof m.handler);`);
    const started = await inProject(node22, [probe], { allowFailure: true });
    expect(started.stderr).toBe('');
    expect(started.stdout.trim()).toBe('function');
  });
});
