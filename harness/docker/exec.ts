// Runs a command inside a running container through the Engine API (docker exec), e.g. Authelia's CLI to
// give a user a TOTP secret. Output is demultiplexed from the engine's stream framing.
import { engineRequest } from './engine.js';

export interface ExecResult {
  exitCode: number;
  output: string;
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
  return { exitCode: ExitCode ?? -1, output: demux(started.bytes) };
}

/** The engine frames non-TTY output: 8-byte headers (stream, 0, 0, 0, size u32 BE) before each chunk. */
function demux(buf: Buffer): string {
  if (buf.length < 8 || buf[1] !== 0 || buf[2] !== 0 || buf[3] !== 0) return buf.toString('utf8');
  const parts: Buffer[] = [];
  for (let at = 0; at + 8 <= buf.length; ) {
    const size = buf.readUInt32BE(at + 4);
    parts.push(buf.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
