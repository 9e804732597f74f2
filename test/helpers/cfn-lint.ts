import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ensureMotoInstalled } from '../../sdk/dev/emulator/index.js';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** One finding of cfn-lint (`--format json`), reduced to what a test reads. */
export interface CfnLintFinding {
  /** Rule id, e.g. `E3002` (error), `W3005` (warning), `I3042` (informational). */
  readonly rule: string;
  readonly level: 'Error' | 'Warning' | 'Informational';
  readonly message: string;
  /** Where in the template: `Resources/<logical id>/Properties/…`. */
  readonly path: string;
}

/** A cfn-lint warning the templates may raise, and why. */
export interface IgnoredCfnLintRule {
  readonly rule: string;
  /** Only findings whose message matches (the rule's other findings still count). */
  readonly message: RegExp;
  readonly reason: string;
}

/**
 * The warnings celeriac's templates are allowed to raise, each with its reason. Errors are never
 * ignored. Each entry must still occur in some template the lint test checks, so the list cannot go stale.
 */
export const IGNORED_CFN_LINT_RULES: readonly IgnoredCfnLintRule[] = [
  {
    rule: 'W3005',
    message: /dependency already enforced by a 'GetAtt' at 'Resources\/\w+\/Properties\/Role'$/,
    reason:
      'aws-lambda makes every function DependsOn its role and the role’s policy (so the policy is in place before the ' +
      'first invocation); the role half is already implied by the GetAtt of Properties.Role: redundant, harmless, and CDK’s own.',
  },
];

let cfnLintPath: Promise<string> | undefined;

/**
 * Path of the `cfn-lint` executable: the one installed beside moto in the emulator venv (found from
 * the moto server's path, so a moved venv is followed), then `CELERIAC_CFN_LINT`, then any
 * `.celeriac/<venv>/bin/cfn-lint`, then `cfn-lint` on the PATH.
 *
 * @throws {Error} when none is found.
 * @example
 * const bin = await findCfnLint();
 */
export function findCfnLint(): Promise<string> {
  cfnLintPath ??= (async () => {
    if (process.env.CELERIAC_CFN_LINT) return process.env.CELERIAC_CFN_LINT;
    const motoServer = await ensureMotoInstalled();
    const candidates = [path.join(path.dirname(motoServer), 'cfn-lint'), ...venvCandidates(path.join(REPO_ROOT, '.celeriac'))];
    const found = candidates.find((candidate) => existsSync(candidate));
    if (found) return found;
    try {
      await run('cfn-lint', ['--version']);
      return 'cfn-lint';
    } catch {
      throw new Error(
        `cfn-lint not found (looked beside ${motoServer}, under .celeriac/ and on the PATH): it is a dependency of moto; ` +
          'reinstall the emulator venv (delete .celeriac/ and run the tests again) or set CELERIAC_CFN_LINT.',
      );
    }
  })();
  return cfnLintPath;
}

function venvCandidates(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(dir, entry.name, 'bin', 'cfn-lint'));
}

/**
 * Lints one CloudFormation template file with cfn-lint (AWS's own template linter) and returns every
 * finding, ignored ones included (filter them with {@link unexpectedFindings}).
 *
 * @throws {Error} when cfn-lint cannot be found or crashes (its output is in the message).
 * @example
 * const findings = await lintTemplate('cdk.out/CeleriacExample.template.json');
 * expect(unexpectedFindings(findings)).toEqual([]);
 */
export async function lintTemplate(templateFile: string, options: LintOptions = {}): Promise<CfnLintFinding[]> {
  return (await lintTemplates([templateFile], options)).get(templateFile) ?? [];
}

/** Options of {@link lintTemplate}. */
export interface LintOptions {
  /**
   * Regions whose resource specifications the template is checked against.
   * @default ['us-east-1']
   */
  readonly regions?: readonly string[];
}

/**
 * Lints several template files in one cfn-lint run (one Python start-up): findings by file.
 *
 * @throws {Error} when cfn-lint cannot be found or crashes.
 * @example
 * const byFile = await lintTemplates([a, b]);
 */
export async function lintTemplates(templateFiles: readonly string[], options: LintOptions = {}): Promise<Map<string, CfnLintFinding[]>> {
  const bin = await findCfnLint();
  const templateFile = templateFiles.join(', ');
  const args = ['--format', 'json', '--regions', ...(options.regions ?? ['us-east-1']), '--', ...templateFiles];
  let stdout: string;
  try {
    ({ stdout } = await run(bin, args, { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, PYTHONNOUSERSITE: '1' } }));
  } catch (error) {
    // Exit codes 2, 4 and 8 (and their sums) mean findings, reported on stdout; anything else is a crash.
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number' || failed.code === 1 || failed.code >= 16 || failed.stdout === undefined) {
      throw new Error(`cfn-lint failed on ${templateFile} (exit ${failed.code}): ${failed.stderr ?? String(error)}`);
    }
    stdout = failed.stdout;
  }
  const raw = JSON.parse(stdout || '[]') as {
    Filename: string;
    Rule: { Id: string };
    Level: CfnLintFinding['level'];
    Message: string;
    Location: { Path?: (string | number)[] };
  }[];
  const byFile = new Map<string, CfnLintFinding[]>(templateFiles.map((file) => [file, []]));
  for (const finding of raw) {
    const file = templateFiles.find((candidate) => path.resolve(candidate) === path.resolve(finding.Filename)) ?? finding.Filename;
    const list = byFile.get(file) ?? [];
    list.push({ rule: finding.Rule.Id, level: finding.Level, message: finding.Message, path: (finding.Location.Path ?? []).join('/') });
    byFile.set(file, list);
  }
  return byFile;
}

/**
 * The findings that are not warnings listed in `ignored` (errors always count).
 * @example
 * expect(unexpectedFindings(await lintTemplate(file))).toEqual([]);
 */
export function unexpectedFindings(findings: readonly CfnLintFinding[], ignored: readonly IgnoredCfnLintRule[] = IGNORED_CFN_LINT_RULES): CfnLintFinding[] {
  return findings.filter((finding) => finding.level === 'Error' || !ignored.some((entry) => isIgnoredBy(finding, entry)));
}

/** True when `finding` is a warning `entry` allows. */
export function isIgnoredBy(finding: CfnLintFinding, entry: IgnoredCfnLintRule): boolean {
  return finding.level !== 'Error' && finding.rule === entry.rule && entry.message.test(finding.message);
}
