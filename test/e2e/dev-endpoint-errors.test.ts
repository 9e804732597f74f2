import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../sdk/dev/emulator/index.js';

/** Runs `celeriac dev` with `AWS_ENDPOINT_URL` set; it must fail at start-up. */
function devWith(endpoint: string): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'sdk/cli/main.ts', 'dev', '--app', 'examples/app/tasks.ts', '--no-dashboard'],
      { env: { ...process.env, AWS_ENDPOINT_URL: endpoint }, timeout: 60_000 },
      (error, _stdout, stderr) => done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

let notAws: Server;
let notAwsUrl: string;

beforeAll(async () => {
  notAws = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<!doctype html><title>my web app</title>');
  });
  await new Promise<void>((ready) => notAws.listen(0, '127.0.0.1', () => ready()));
  notAwsUrl = `http://127.0.0.1:${(notAws.address() as { port: number }).port}`;
});

afterAll(() => new Promise<void>((done) => notAws.close(() => done())));

describe('celeriac dev with a wrong AWS_ENDPOINT_URL', () => {
  it('names AWS_ENDPOINT_URL and the fix when nothing listens there', async () => {
    const dead = `http://127.0.0.1:${await findFreePort()}`;
    const run = await devWith(dead);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`AWS_ENDPOINT_URL=${dead} does not answer (ECONNREFUSED)`);
    expect(run.stderr).toMatch(/unset AWS_ENDPOINT_URL/);
    expect(run.stderr).not.toContain('NodeVersionSupportWarning');
  });

  it('names AWS_ENDPOINT_URL and the fix when a server that is not AWS answers', async () => {
    const run = await devWith(notAwsUrl);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`AWS_ENDPOINT_URL=${notAwsUrl} answers, but not as the AWS SQS API does (HTTP 200`);
    expect(run.stderr).toMatch(/an emulator of one \(LocalStack, moto\)/);
  });
});
