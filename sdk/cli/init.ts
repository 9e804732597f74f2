import { existsSync, readFileSync, type Dirent } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../core/errors.js';

/** Options of `celeriac init`. */
export interface InitOptions {
  /** Folder of the project (created when missing). */
  readonly dir: string;
  /**
   * App name (it prefixes every AWS resource).
   * @default - the folder's name, lowercased, other characters as dashes
   */
  readonly name?: string;
  /**
   * Overwrite files that exist.
   * @default false
   */
  readonly force?: boolean;
}

/** What `celeriac init` did. */
export interface InitResult {
  /** Files written, relative to the project. */
  readonly written: readonly string[];
  /** Whether an existing package.json was extended rather than created. */
  readonly extendedPackageJson: boolean;
  /** The app's name. */
  readonly appName: string;
  /** Things the user should know (a package type kept, …). */
  readonly notes: readonly string[];
}

/** celeriac's own package.json: its version, and the versions of the tools it is tested with. */
interface OwnPackage {
  /** Its folder. */
  readonly root: string;
  readonly version: string;
  readonly dependencies: Readonly<Record<string, string>>;
  readonly devDependencies: Readonly<Record<string, string>>;
}

function ownPackage(): OwnPackage {
  // dist/sdk/cli/init.js in the package, sdk/cli/init.ts in the repository: two levels below the root.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    dir = dirname(dir);
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<OwnPackage> & { name?: string };
      if (parsed.name === 'celeriac')
        return { root: dir, version: parsed.version ?? '0.0.0', dependencies: parsed.dependencies ?? {}, devDependencies: parsed.devDependencies ?? {} };
    }
  }
  throw new Error('celeriac init: cannot find celeriac’s own package.json; reinstall celeriac.');
}

/** An app name from a folder name: lowercase letters, digits and dashes, at most 40. */
export function appNameOf(folder: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return name || 'tasks';
}

/** PascalCase of an app name, for the stack's id. */
function pascal(name: string): string {
  return name
    .split('-')
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/**
 * The CDK context celeriac's own stacks are synthesized and tested with (its cdk.json: the feature
 * flags), so a new project's templates match and `cdk` does not warn of unset flags.
 */
function cdkContext(own: OwnPackage): Record<string, unknown> {
  try {
    return (JSON.parse(readFileSync(join(own.root, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
  } catch {
    return { 'cli-telemetry': false };
  }
}

/** The scaffold's files other than package.json, by path. */
export function scaffoldFiles(appName: string, context: Record<string, unknown> = { 'cli-telemetry': false }): Record<string, string> {
  const stack = `${pascal(appName)}Tasks`;
  return {
    'src/tasks.ts': `import { createApp, currentTask } from 'celeriac';

/** The app: its queues, results table and schedules are all named after it. */
export const app = createApp({
  name: '${appName}',
  queues: { default: {} },
  // Time zone of cron schedules (Celery's \`timezone\`).
  timezone: 'UTC',
});

/** \`add.delay(4, 4)\` from any service; \`get()\` of its result gives 8. */
export const add = app.task('math.add', async (x: number, y: number) => x + y);

/** Greets someone; retried up to three times, a few seconds apart, if it throws. */
export const greet = app.task(
  'hello.greet',
  async (name: string) => {
    const { id, retries } = currentTask();
    return { greeting: \`Hello, \${name}!\`, task: id, retries };
  },
  { maxRetries: 3 },
);

// Beat: greet the world every minute (EventBridge Scheduler on AWS; \`celeriac dev\` fires it locally).
app.schedule('greet-every-minute', greet, { every: '1m', args: ['world'] });
`,
    'src/enqueue.ts': `/**
 * What a service does: send a task and answer at once, or wait for its result.
 * Run it beside \`npm run dev\`: \`npx tsx src/enqueue.ts\`.
 */
import { add, app } from './tasks.js';

const result = await add.delay(4, 4);
console.log(\`sent math.add as \${result.id}\`);
console.log(\`result: \${await result.get({ timeoutMs: 30_000 })}\`);
await app.close();
`,
    'infra/app.ts': `import { App, Stack } from 'aws-cdk-lib';
import { CeleriacApp } from 'celeriac/infra';
import { app } from '../src/tasks.js';

const cdkApp = new App();
const stack = new Stack(cdkApp, '${stack}');
// Queues with dead-letter queues, the results table, the worker function and the schedules.
new CeleriacApp(stack, 'Tasks', { app, tasksModule: 'src/tasks.ts' });
`,
    'test/tasks.test.ts': `import { useTestTransport } from 'celeriac/testing';
import { describe, expect, it } from 'vitest';
import { add, app, greet } from '../src/tasks.js';

describe('tasks', () => {
  it('adds 4 and 4', async () => {
    const env = useTestTransport(app);
    const result = await add.delay(4, 4);
    await env.runUntilIdle();
    await expect(result.get()).resolves.toBe(8);
  });

  it('greets by name', async () => {
    const env = useTestTransport(app);
    const result = await greet.delay('Ada');
    await env.runUntilIdle();
    await expect(result.get()).resolves.toMatchObject({ greeting: 'Hello, Ada!', retries: 0 });
  });
});
`,
    'cdk.json': `${JSON.stringify(
      {
        app: 'node --import tsx infra/app.ts',
        watch: { include: ['src/**', 'infra/**'], exclude: ['node_modules', 'cdk.out', '.celeriac'] },
        context,
      },
      null,
      2,
    )}\n`,
    'tsconfig.json': `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: true,
          verbatimModuleSyntax: true,
          outDir: 'build',
          types: ['node'],
        },
        include: ['src', 'infra', 'test'],
      },
      null,
      2,
    )}\n`,
    '.gitignore': 'node_modules/\ncdk.out/\n.celeriac/\nbuild/\n',
    'README.md': `# ${appName}

Tasks on AWS with [celeriac](https://www.npmjs.com/package/celeriac): SQS, Lambda, DynamoDB, EventBridge Scheduler.

- \`npm run dev\`: a local AWS emulator, the worker, the schedules and the dashboard (http://127.0.0.1:5555).
- \`npx tsx src/enqueue.ts\`: send \`math.add(4, 4)\` and print its result (beside \`npm run dev\`).
- \`npm test\`: the tasks run in-process (\`celeriac/testing\`).
- \`npm run synth\` / \`npm run deploy\`: the CDK stack (queues, table, worker, schedules).
- Tasks live in \`src/tasks.ts\`; the stack in \`infra/app.ts\`.
`,
  };
}

/** Scripts the scaffold adds to package.json (kept where the project has its own). */
const SCRIPTS = { dev: 'celeriac dev', test: 'vitest run', typecheck: 'tsc --noEmit', synth: 'cdk synth', deploy: 'cdk deploy' } as const;

/** Tools the scaffold's files need, at the versions celeriac is tested with. */
const DEV_TOOLS = ['aws-cdk', 'aws-cdk-lib', 'constructs', 'esbuild', 'tsx', 'typescript', 'vitest', '@types/node'] as const;

/**
 * `celeriac init`: scaffolds a service into `dir` (empty, or holding a package.json to extend): a
 * tasks module with typed tasks and a schedule, a script that enqueues, a CDK app with
 * `CeleriacApp`, a unit test with `celeriac/testing`, `cdk.json`, `tsconfig.json`, and the
 * scripts `dev`, `test`, `synth` and `deploy`.
 * @throws {ConfigError} when a file it would write exists (without `force`), or the name is not a valid app name.
 * @example
 * await initProject({ dir: process.cwd() });
 */
export async function initProject(options: InitOptions): Promise<InitResult> {
  const dir = resolve(options.dir);
  const appName = options.name ?? appNameOf(basename(dir));
  if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(appName)) {
    throw new ConfigError(`App name must be 1–40 lowercase letters, digits or dashes, received ${JSON.stringify(appName)}: pass --name <name>.`);
  }
  const own = ownPackage();
  const files = scaffoldFiles(appName, cdkContext(own));
  const clashes = Object.keys(files).filter((file) => existsSync(join(dir, file)));
  if (clashes.length > 0 && !options.force) {
    throw new ConfigError(`celeriac init would overwrite ${clashes.join(', ')} in ${dir}: move them away, or pass --force to overwrite.`);
  }
  const packageFile = join(dir, 'package.json');
  const extendedPackageJson = existsSync(packageFile);
  const pkg = extendedPackageJson
    ? (JSON.parse(await readFile(packageFile, 'utf8')) as Record<string, unknown>)
    : { name: appName, version: '0.1.0', private: true };
  // The scaffold is ES modules. A fresh project (`npm init` writes "commonjs") becomes one; a project
  // with CommonJS code of its own keeps its type, and is told.
  const notes: string[] = [];
  if (pkg.type !== 'module') {
    if (!extendedPackageJson || !(await hasOwnScripts(dir))) pkg.type = 'module';
    else
      notes.push(
        `package.json keeps "type": ${JSON.stringify(pkg.type ?? 'commonjs')} (the project has JavaScript files): rename the scaffold's .ts files to .mts, or move the project to ES modules.`,
      );
  }
  // The project's own scripts stay, but for npm init's placeholder test ("Error: no test specified").
  const scripts = Object.entries((pkg.scripts as Record<string, string> | undefined) ?? {}).filter(
    ([name, body]) => !(name === 'test' && /no test specified/.test(body)),
  );
  pkg.scripts = { ...SCRIPTS, ...Object.fromEntries(scripts) };
  pkg.celeriac = { app: 'src/tasks.ts', ...(pkg.celeriac as Record<string, string> | undefined) };
  const dependencies = { ...(pkg.dependencies as Record<string, string> | undefined) };
  const devDependencies = { ...(pkg.devDependencies as Record<string, string> | undefined) };
  if (!dependencies.celeriac && !devDependencies.celeriac) dependencies.celeriac = `^${own.version}`;
  for (const tool of DEV_TOOLS) {
    const version = own.devDependencies[tool] ?? own.dependencies[tool];
    if (version && !dependencies[tool] && !devDependencies[tool]) devDependencies[tool] = version;
  }
  pkg.dependencies = sortKeys(dependencies);
  pkg.devDependencies = sortKeys(devDependencies);
  // npm 11 runs install scripts only of packages allowed here: esbuild's fetches its binary.
  pkg.allowScripts = { esbuild: true, ...(pkg.allowScripts as Record<string, boolean> | undefined) };

  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), text);
    written.push(file);
  }
  await writeFile(packageFile, `${JSON.stringify(pkg, null, 2)}\n`);
  written.push('package.json');
  return { written, extendedPackageJson, appName, notes };
}

/** Whether the project has JavaScript files of its own (outside node_modules, three levels deep). */
async function hasOwnScripts(dir: string, depth = 0): Promise<boolean> {
  if (depth > 2) return false;
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const entry of entries) {
    if (entry.isFile() && /\.(c?js|jsx)$/.test(entry.name)) return true;
    if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.') && (await hasOwnScripts(join(dir, entry.name), depth + 1)))
      return true;
  }
  return false;
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/** The lines `celeriac init` prints after scaffolding. */
export function initSummary(result: InitResult, dir: string): string[] {
  const where = relative(process.cwd(), resolve(dir)) || '.';
  return [
    `celeriac init: app "${result.appName}" in ${where} (${result.extendedPackageJson ? 'package.json extended' : 'new package.json'})`,
    ...result.written.map((file) => `  wrote ${file}`),
    ...result.notes.map((note) => `  note: ${note}`),
    '',
    'Next:',
    ...(where === '.' ? [] : [`  cd ${where}`]),
    '  npm install',
    '  npm run dev        # emulator, worker, schedules and dashboard',
    '  npm test           # the tasks, in-process',
    '  npm run synth      # the CDK stack',
  ];
}
