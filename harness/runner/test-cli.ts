// For tests that run the CLI as users do: a child process of bin/idp-harness.mjs, and what the engine still
// holds of any harness run afterwards.
import { spawn } from 'node:child_process';
import { beforeAll } from 'vitest';
import { dockerAvailable, engineRequest, RUN_LABEL } from '../docker/engine.js';
import { ROOT } from './run.js';

/** Runs `idp-harness <args>` to its end; answers its exit status and its stdout and stderr together. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/idp-harness.mjs', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** Every container and network carrying the harness's run label, whatever the run. */
export async function anythingOfTheHarness(): Promise<{ containers: string[]; networks: string[] }> {
  const filter = encodeURIComponent(JSON.stringify({ label: [RUN_LABEL] }));
  const cs = await engineRequest('GET', `/containers/json?all=true&filters=${filter}`);
  const ns = await engineRequest('GET', `/networks?filters=${filter}`);
  return {
    containers: (JSON.parse(cs.body) as { Names: string[] }[]).map((c) => c.Names.join(',')),
    networks: (JSON.parse(ns.body) as { Name: string }[]).map((n) => n.Name),
  };
}

/**
 * The Docker gate of a test file that needs the engine: `needsDocker(ctx)` at the start of each such test.
 * In CI a missing engine fails the test; elsewhere the test is skipped, with the reason printed once.
 */
export function dockerGate(what: string): (ctx: { skip(): void }) => void {
  let docker: Awaited<ReturnType<typeof dockerAvailable>> | undefined;
  beforeAll(async () => {
    docker = await dockerAvailable();
    if (!docker.ok && !process.env.CI) console.warn(`skipping ${what}: ${docker.reason}`);
  });
  return (ctx) => {
    if (docker?.ok) return;
    if (process.env.CI) throw new Error(`CI needs a Docker engine for this test: ${docker?.reason ?? 'not checked'}`);
    ctx.skip();
  };
}
