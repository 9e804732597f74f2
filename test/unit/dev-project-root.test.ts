import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { devLogLine } from '../../sdk/cli/dev.js';
import { isIgnoredPath } from '../../sdk/cli/dev-watch.js';
import { emulatorPort } from '../../sdk/dev/emulator/background.js';
import { findProjectRoot, PROJECT_ROOT_ENV } from '../../sdk/dev/project-root.js';
import { formatShellEnv } from '../../sdk/dev/env.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  delete process.env[PROJECT_ROOT_ENV];
  delete process.env.CELERIAC_EMULATOR_PORT;
});

describe('findProjectRoot', () => {
  it('returns the user’s project, not celeriac’s own folder inside node_modules', () => {
    const project = mkdtempSync(join(tmpdir(), 'root-'));
    made.push(project);
    writeFileSync(join(project, 'package.json'), '{}');
    const installed = join(project, 'node_modules', 'celeriac');
    mkdirSync(join(project, 'src', 'jobs'), { recursive: true });
    mkdirSync(installed, { recursive: true });
    writeFileSync(join(installed, 'package.json'), '{}');
    expect(findProjectRoot(join(project, 'src', 'jobs'))).toBe(project);
    expect(findProjectRoot(project)).toBe(project);
  });

  it('takes CELERIAC_PROJECT_ROOT over the search', () => {
    process.env[PROJECT_ROOT_ENV] = '/srv/elsewhere';
    expect(findProjectRoot('/tmp')).toBe('/srv/elsewhere');
  });
});

describe('the dev loop’s small rules', () => {
  it('leaves task results out of dev log lines unless logPayloads', () => {
    const event = { type: 'succeeded', id: 't1', task: 'math.add', runtimeMs: 21, result: { secret: 8 } } as const;
    const at = new Date('2026-12-04T01:02:03.456Z');
    expect(devLogLine(event, false, at)).toBe('[2026-12-04 01:02:03.456: INFO/Worker] Task math.add[t1] succeeded in 0.021s');
    expect(devLogLine(event, true, at)).toBe('[2026-12-04 01:02:03.456: INFO/Worker] Task math.add[t1] succeeded in 0.021s: {"secret":8}');
  });

  it('watches code, not dependencies, dot-folders or files the app writes', () => {
    expect(isIgnoredPath('tasks.ts', true)).toBe(false);
    expect(isIgnoredPath(join('lib', 'config.json'), true)).toBe(false);
    expect(isIgnoredPath(join('node_modules', 'x', 'index.js'), true)).toBe(true);
    expect(isIgnoredPath(join('.celeriac', 'emulator.json'), true)).toBe(true);
    expect(isIgnoredPath(join('var', 'outbox', 'a.eml'), true)).toBe(true);
    expect(isIgnoredPath('var', false)).toBe(false);
  });

  it('takes the emulator port from the option, else CELERIAC_EMULATOR_PORT, else 4599, and refuses a bad one', () => {
    expect(emulatorPort()).toBe(4599);
    process.env.CELERIAC_EMULATOR_PORT = '4700';
    expect(emulatorPort()).toBe(4700);
    expect(emulatorPort({ port: 4800 })).toBe(4800);
    process.env.CELERIAC_EMULATOR_PORT = 'lots';
    expect(() => emulatorPort()).toThrow(/CELERIAC_EMULATOR_PORT \(or --emulator-port\) must be a port from 1 to 65535, received "lots"/);
  });

  it('quotes values for eval', () => {
    expect(formatShellEnv({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4599', X: "it's" })).toBe(
      "export AWS_ENDPOINT_URL='http://127.0.0.1:4599'\nexport X='it'\\''s'",
    );
  });
});
