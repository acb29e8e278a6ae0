// Readiness checks that stop as soon as the container is gone, has exited or the stack's start was
// cancelled. testcontainers' own http and command strategies keep polling a removed container until their
// timeout (minutes for authentik), which would hold a failed run open long after its cleanup.
import { setTimeout as delay } from 'node:timers/promises';
import { Agent, request } from 'undici';
import type { BoundPorts, WaitStrategy } from 'testcontainers';
import type { WaitSpec } from '../../containers/spec.js';
import { engineRequest } from './engine.js';

type Check = (containerId: string, boundPorts: BoundPorts) => Promise<boolean>;

const POLL_MS = 250;

export class PollWait implements WaitStrategy {
  private timeoutMs = 60_000;

  constructor(
    private readonly what: string,
    private readonly check: Check,
    private readonly cancelled: () => boolean = () => false,
  ) {}

  withStartupTimeout(ms: number): this {
    this.timeoutMs = ms;
    return this;
  }
  isStartupTimeoutSet(): boolean {
    return true;
  }
  getStartupTimeout(): number {
    return this.timeoutMs;
  }

  async waitUntilReady(container: { id: string }, boundPorts: BoundPorts): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      if (this.cancelled()) throw new Error(`gave up waiting for ${this.what}: the stack's start was cancelled`);
      const inspect = await engineRequest('GET', `/containers/${container.id}/json`);
      if (inspect.status === 404) throw new Error(`the container was removed while waiting for ${this.what}`);
      const state = (JSON.parse(inspect.body) as { State: { Running: boolean; ExitCode: number } }).State;
      if (!state.Running) throw new Error(`the container exited (code ${state.ExitCode}) before ${this.what}`);
      if (await this.check(container.id, boundPorts).catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`${this.what} not reached within ${this.timeoutMs} ms`);
      await delay(POLL_MS);
    }
  }
}

// Readiness only: the certificate chain is checked afterwards with the run CA, by the public name.
const insecure = new Agent({ connect: { rejectUnauthorized: false } });

export function httpCheck(path: string, port: number, tls: boolean, status: number): Check {
  return async (_id, boundPorts) => {
    const res = await request(`${tls ? 'https' : 'http'}://127.0.0.1:${boundPorts.getBinding(port)}${path}`, {
      dispatcher: insecure,
      signal: AbortSignal.timeout(5000),
    });
    await res.body.dump();
    return res.statusCode === status;
  };
}

/** `sh -c command` inside the container exits 0. */
function commandCheck(command: string): Check {
  return async (id) => {
    const created = await engineRequest('POST', `/containers/${id}/exec`, {
      body: JSON.stringify({ Cmd: ['sh', '-c', command], AttachStdout: true, AttachStderr: true }),
      contentType: 'application/json',
    });
    if (created.status !== 201) return false;
    const execId = (JSON.parse(created.body) as { Id: string }).Id;
    // Not detached: the answer ends when the command does.
    await engineRequest('POST', `/exec/${execId}/start`, { body: JSON.stringify({ Detach: false }), contentType: 'application/json' });
    const result = JSON.parse((await engineRequest('GET', `/exec/${execId}/json`)).body) as { ExitCode: number | null };
    return result.ExitCode === 0;
  };
}

/**
 * The abortable form of a container module's wait spec; undefined for log waits, which testcontainers
 * already ends when the container (and so its log stream) goes away.
 */
export function abortableWait(wait: WaitSpec, cancelled: () => boolean): PollWait | undefined {
  if (wait.kind === 'http') return new PollWait(`HTTP ${wait.status} on ${wait.path}`, httpCheck(wait.path, wait.port, wait.tls, wait.status), cancelled);
  if (wait.kind === 'command') return new PollWait(`a successful "${wait.command}"`, commandCheck(wait.command), cancelled);
  return undefined;
}

/** HTTP `status` on `path` of the container's published `port`, ending early if the container goes away. */
export function httpReady(path: string, port: number, opts: { tls?: boolean; status?: number } = {}): PollWait {
  const status = opts.status ?? 200;
  return new PollWait(`HTTP ${status} on ${path}`, httpCheck(path, port, opts.tls ?? false, status));
}
