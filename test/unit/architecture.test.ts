/**
 * The layering rules of docs/architecture.md, checked on the import graph by dependency-cruiser with
 * the repository's `.dependency-cruiser.cjs`: on the code itself (no violation), and on a small tree
 * that breaks each kind of rule (the rules do catch what they forbid).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { cruise, type IViolation } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const config = createRequire(import.meta.url)('../../.dependency-cruiser.cjs') as { forbidden: unknown[]; options: Record<string, unknown> };

async function violations(baseDir: string, paths: string[]): Promise<IViolation[]> {
  const { output } = await cruise(paths, {
    ...config.options,
    baseDir,
    ruleSet: { forbidden: config.forbidden } as never,
    validate: true,
    tsConfig: { fileName: `${root}/tsconfig.json` },
  } as never);
  if (typeof output === 'string') throw new Error(output);
  return output.summary.violations;
}

const describeViolation = (v: IViolation): string => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (${v.cycle.map((c) => c.name).join(' → ')})` : ''}`;

describe('architecture', { timeout: 120_000 }, () => {
  it('has no forbidden import and no import cycle in sdk, infra, functions, examples and bench', async () => {
    const found = await violations(root, ['sdk', 'infra', 'functions', 'examples', 'bench']);
    expect(found.map(describeViolation)).toEqual([]);
  });

  it('catches a core module importing an adapter, an adapter importing another layer, a cycle, and infra loading the dev layer', async () => {
    const found = (await violations(fileURLToPath(new URL('../fixtures/architecture', import.meta.url)), ['sdk', 'infra'])).map((v) => v.rule.name);
    expect(new Set(found)).toEqual(new Set(['core-is-pure', 'adapters-over-core', 'no-circular', 'production-never-loads-dev', 'infra-loads-no-client']));
  });
});
