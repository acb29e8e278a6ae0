// Runs a command inside a running container through the Engine API (docker exec), e.g. Authelia's CLI to
// give a user a TOTP secret. Its stdout and stderr are taken apart from the engine's stream framing.
import { engineRequest } from './engine.js';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function containerExec(container: string, cmd: string[], timeoutMs = 30_000): Promise<ExecResult> {
  const created = await engineRequest('POST', `/containers/${encodeURIComponent(container)}/exec`, {
    contentType: 'application/json',
    body: JSON.stringify({ AttachStdout: true, AttachStderr: true, Cmd: cmd }),
    timeoutMs,
  });
  if (created.status !== 201) throw new Error(`docker exec in ${container} refused (${created.status}): ${created.body.trim()}`);
  const { Id } = JSON.parse(created.body) as { Id: string };
  const started = await engineRequest('POST', `/exec/${Id}/start`, {
    contentType: 'application/json',
    body: JSON.stringify({ Detach: false, Tty: false }),
    timeoutMs,
  });
  if (started.status !== 200) throw new Error(`docker exec in ${container} did not start (${started.status}): ${started.body.trim()}`);
  const inspected = await engineRequest('GET', `/exec/${Id}/json`, { timeoutMs });
  const { ExitCode } = JSON.parse(inspected.body) as { ExitCode: number | null };
  return { exitCode: ExitCode ?? -1, ...demux(started.bytes) };
}

/**
 * The engine frames non-TTY output: 8-byte headers (stream 1 = stdout, 2 = stderr; 0, 0, 0; size u32 BE) before
 * each chunk. The two streams are kept apart: how their chunks interleave depends on timing.
 */
function demux(buf: Buffer): { stdout: string; stderr: string } {
  const parts: Record<number, Buffer[]> = { 1: [], 2: [] };
  for (let at = 0; at + 8 <= buf.length; ) {
    const size = buf.readUInt32BE(at + 4);
    (parts[buf[at]!] ??= []).push(buf.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return { stdout: Buffer.concat(parts[1]!).toString('utf8'), stderr: Buffer.concat(parts[2]!).toString('utf8') };
}
