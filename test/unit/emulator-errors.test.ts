import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureMotoInstalled } from '../../sdk/dev/emulator/index.js';

describe('ensureMotoInstalled errors', () => {
  let projectRoot: string;
  const lines: string[] = [];
  const log = (line: string): void => {
    lines.push(line);
  };

  beforeEach(async () => {
    projectRoot = await mkdtemp(join(tmpdir(), 'celeriac-emulator-'));
    lines.length = 0;
  });

  afterEach(async () => {
    await rm(projectRoot, { recursive: true, force: true });
  });

  it('names python3 and what to install when the interpreter is missing', async () => {
    const python = join(projectRoot, 'no-such-python3');
    const error = await ensureMotoInstalled({ projectRoot, python, log }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain('python3');
    expect(message).toContain('apt-get install python3 python3-venv python3-pip');
    expect(message).toContain('AWS_ENDPOINT_URL=http://localhost:4566');
    expect(message).toContain(python);
  });

  it('names python3-venv when `python -m venv` fails', async () => {
    // A "python" that reports a good version but cannot create a venv (like Debian without python3-venv).
    const python = join(projectRoot, 'fake-python3');
    await writeFile(
      python,
      [
        '#!/bin/sh',
        'if [ "$1" = "-c" ]; then echo 3.11; exit 0; fi',
        'echo "The virtual environment was not created successfully because ensurepip is not available." >&2',
        'exit 1',
        '',
      ].join('\n'),
    );
    await chmod(python, 0o755);

    const error = await ensureMotoInstalled({ projectRoot, python, log }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain('python3-venv');
    expect(message).toContain('ensurepip is not available');
    expect(message).toContain('apt-get install python3 python3-venv python3-pip');
  });

  it('rejects a Python that is too old', async () => {
    const python = join(projectRoot, 'old-python');
    await writeFile(python, '#!/bin/sh\necho 3.7\n');
    await chmod(python, 0o755);

    await expect(ensureMotoInstalled({ projectRoot, python, log })).rejects.toThrow(/python3 >= 3\.9/);
  });
});
