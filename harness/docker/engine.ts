// The Docker engine, spoken to directly over its HTTP API (unix socket or DOCKER_HOST=tcp://): is it there,
// and removing everything a run labelled. testcontainers runs the containers; this module only answers the
// questions testcontainers cannot (a clear "why not" before starting, a sweep that needs no Ryuk).
import { spawnSync } from 'node:child_process';
import { request, type RequestOptions } from 'node:http';

/** Every container and network a run creates carries this label with the run's id. */
export const RUN_LABEL = 'idp-harness.run';
/** ...and this one with the stack (cell) id, so one stack can be removed without touching the others. */
export const STACK_LABEL = 'idp-harness.stack';

export interface EngineEndpoint {
  socketPath?: string;
  host?: string;
  port?: number;
  /** How to name it in messages. */
  describe: string;
}

export function engineEndpoint(env: NodeJS.ProcessEnv = process.env): EngineEndpoint {
  const dockerHost = env.DOCKER_HOST;
  if (!dockerHost || dockerHost.startsWith('unix://')) {
    const socketPath = dockerHost ? dockerHost.slice('unix://'.length) : '/var/run/docker.sock';
    return { socketPath, describe: `unix socket ${socketPath}` };
  }
  const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375), describe: dockerHost };
}

export interface EngineResponse {
  status: number;
  body: string;
  /** The body as bytes (for framed streams such as exec output). */
  bytes: Buffer;
}

/** One Engine API call. `body` may be a string or a readable stream (image import). */
export function engineRequest(
  method: string,
  path: string,
  opts: { body?: string | NodeJS.ReadableStream; contentType?: string; timeoutMs?: number; endpoint?: EngineEndpoint } = {},
): Promise<EngineResponse> {
  const ep = opts.endpoint ?? engineEndpoint();
  const options: RequestOptions = {
    method,
    path,
    headers: opts.contentType ? { 'content-type': opts.contentType } : {},
    ...(ep.socketPath ? { socketPath: ep.socketPath } : { host: ep.host, port: ep.port }),
  };
  return new Promise((resolve, reject) => {
    const req = request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, body: bytes.toString('utf8'), bytes });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.timeoutMs) req.setTimeout(opts.timeoutMs, () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    if (opts.body === undefined || typeof opts.body === 'string') req.end(opts.body);
    else {
      opts.body.on('error', (err) => req.destroy(err as Error));
      opts.body.pipe(req);
    }
  });
}

export type Availability = { ok: true; version: string } | { ok: false; reason: string };

/** Whether a Docker engine answers, and if not, why in words a person can act on. */
export async function dockerAvailable(env: NodeJS.ProcessEnv = process.env): Promise<Availability> {
  const ep = engineEndpoint(env);
  try {
    const ping = await engineRequest('GET', '/_ping', { endpoint: ep, timeoutMs: 5000 });
    if (ping.status !== 200) return { ok: false, reason: `Docker engine at ${ep.describe} answered ${ping.status} to /_ping: ${ping.body.trim()}` };
    const version = JSON.parse((await engineRequest('GET', '/version', { endpoint: ep, timeoutMs: 5000 })).body) as { Version?: string };
    return { ok: true, version: version.Version ?? 'unknown' };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? `no Docker socket at ${ep.describe}: install Docker and start it (dockerd), or set DOCKER_HOST`
        : code === 'EACCES' || code === 'EPERM'
          ? `permission denied on ${ep.describe}: add your user to the docker group (or run rootless Docker and set DOCKER_HOST)`
          : code === 'ECONNREFUSED'
            ? `the Docker engine is not running (${ep.describe} refuses connections): start it (systemctl start docker, or dockerd)`
            : `the Docker engine at ${ep.describe} did not answer: ${(err as Error).message}`;
    return { ok: false, reason };
  }
}

/** An empty value matches the label whatever its value. */
const labelFilter = (labels: Record<string, string>) =>
  encodeURIComponent(JSON.stringify({ label: Object.entries(labels).map(([k, v]) => (v === '' ? k : `${k}=${v}`)) }));

export interface Labelled {
  containers: string[]; // ids
  networks: string[]; // names
}

/** Containers (running or not) and networks carrying every one of `labels`. */
export async function listLabelled(labels: Record<string, string>): Promise<Labelled> {
  const filter = labelFilter(labels);
  const cs = await engineRequest('GET', `/containers/json?all=true&filters=${filter}`);
  const ns = await engineRequest('GET', `/networks?filters=${filter}`);
  if (cs.status !== 200 || ns.status !== 200) throw new Error(`listing labelled resources failed: ${cs.body}${ns.body}`);
  return {
    containers: (JSON.parse(cs.body) as { Id: string }[]).map((c) => c.Id),
    networks: (JSON.parse(ns.body) as { Name: string }[]).map((n) => n.Name),
  };
}

/** Force-removes every container, then every network, carrying all of `labels`. Returns what it removed. */
export async function sweepLabelled(labels: Record<string, string>): Promise<Labelled> {
  const found = await listLabelled(labels);
  const errors: string[] = [];
  await Promise.all(
    found.containers.map(async (id) => {
      const r = await engineRequest('DELETE', `/containers/${id}?force=true&v=true`);
      if (r.status >= 300 && r.status !== 404) errors.push(`container ${id.slice(0, 12)}: ${r.body.trim()}`);
    }),
  );
  for (const name of found.networks) {
    const r = await engineRequest('DELETE', `/networks/${encodeURIComponent(name)}`);
    if (r.status >= 300 && r.status !== 404) errors.push(`network ${name}: ${r.body.trim()}`);
  }
  if (errors.length) throw new Error(`could not remove everything labelled ${JSON.stringify(labels)}: ${errors.join('; ')}`);
  return found;
}

export const sweepRun = (runId: string) => sweepLabelled({ [RUN_LABEL]: runId });

// The exit-time sweep runs in a child node process because 'exit' handlers cannot wait for I/O. The
// function is shipped as source text, so it uses nothing but node:http and its arguments.
function sweepScript(socketPath: string, host: string, port: number, label: string): void {
  const http = require('node:http') as typeof import('node:http');
  const call = (method: string, path: string) =>
    new Promise<string>((resolve) => {
      const target = socketPath ? { socketPath } : { host, port };
      const req = http.request({ ...target, method, path }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve(body));
      });
      req.on('error', () => resolve('[]'));
      req.end();
    });
  const filter = encodeURIComponent(JSON.stringify({ label: [label] }));
  // A create the dying process had sent may still complete in the engine after a first listing: sweep in
  // rounds until two listings half a second apart find nothing (bounded: 20 rounds).
  void (async () => {
    let quiet = 0;
    for (let round = 0; round < 20 && quiet < 2; round++) {
      const cs = JSON.parse(await call('GET', `/containers/json?all=true&filters=${filter}`)) as { Id: string }[];
      await Promise.all(cs.map((c) => call('DELETE', `/containers/${c.Id}?force=true&v=true`)));
      const ns = JSON.parse(await call('GET', `/networks?filters=${filter}`)) as { Name: string }[];
      for (const n of ns) await call('DELETE', `/networks/${encodeURIComponent(n.Name)}`);
      quiet = cs.length + ns.length === 0 ? quiet + 1 : 0;
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
}

const exitSweeps = new Map<string, string>();
let exitHookInstalled = false;

/**
 * Makes sure whatever carries `label=value` is removed even if the process exits before its owner's
 * stop() ran (Ctrl-C while a stack is still starting: the runner's cleanup does not know it yet).
 * Returns a function that cancels it (call it once stop() has swept).
 */
export function sweepOnExit(label: string, value: string): () => void {
  const key = `${label}=${value}`;
  exitSweeps.set(key, key);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      if (exitSweeps.size === 0) return;
      const ep = engineEndpoint();
      for (const l of exitSweeps.values()) {
        const args = [ep.socketPath ?? '', ep.host ?? '', ep.port ?? 0, l];
        // Transpilers that keep function names (tsx, vitest) wrap inner functions in __name(): define it.
        const source = `var __name = (f) => f; (${sweepScript.toString()})(...${JSON.stringify(args)})`;
        spawnSync(process.execPath, ['-e', source], {
          stdio: process.env.IDP_HARNESS_DEBUG_SWEEP ? 'inherit' : 'ignore',
          timeout: 30_000,
        });
      }
    });
  }
  return () => exitSweeps.delete(key);
}

/** A bridge network carrying `labels` (testcontainers' Network cannot label), so the sweep finds it. */
export async function createNetwork(name: string, labels: Record<string, string>): Promise<string> {
  const r = await engineRequest('POST', '/networks/create', {
    body: JSON.stringify({ Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: labels }),
    contentType: 'application/json',
  });
  if (r.status !== 201) throw new Error(`creating network ${name} failed (${r.status}): ${r.body.trim()}`);
  return name;
}

/**
 * Whether upstream images can be had: each of `names` is present in the engine, or its registry answers
 * for it (the engine fetches the manifest only, through its own proxies and mirrors; nothing is pulled).
 */
export async function upstreamImagesReachable(names: string[]): Promise<{ ok: true } | { ok: false; reason: string }> {
  for (const name of names) {
    const ref = encodeURIComponent(name);
    try {
      if ((await engineRequest('GET', `/images/${ref}/json`, { timeoutMs: 10_000 })).status === 200) continue;
      if (process.env.IDP_HARNESS_NO_PULL === '1') return { ok: false, reason: `${name} is not present locally, and pulls are off (IDP_HARNESS_NO_PULL=1)` };
      const dist = await engineRequest('GET', `/distribution/${ref}/json`, { timeoutMs: 30_000 });
      if (dist.status !== 200) {
        const message = (JSON.parse(dist.body || '{}') as { message?: string }).message ?? dist.body.trim();
        return { ok: false, reason: `${name} is not present and its registry cannot be reached (${message})` };
      }
    } catch (err) {
      return { ok: false, reason: `asking the engine about ${name} failed: ${(err as Error).message}` };
    }
  }
  return { ok: true };
}

/**
 * The first engine event matching `filters` (Engine API /events), counting from `sinceSeconds` (unix time)
 * so an event that happened just before the call is not missed. Rejects after `timeoutMs`.
 */
export function waitForEvent(
  filters: Record<string, string[]>,
  opts: { sinceSeconds: number; timeoutMs: number },
): Promise<{ Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> } }> {
  const ep = engineEndpoint();
  const path = `/events?since=${opts.sinceSeconds}&filters=${encodeURIComponent(JSON.stringify(filters))}`;
  return new Promise((resolve, reject) => {
    const req = request({ method: 'GET', path, ...(ep.socketPath ? { socketPath: ep.socketPath } : { host: ep.host, port: ep.port }) }, (res) => {
      let buffer = '';
      res.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const newline = buffer.indexOf('\n');
        if (newline < 0) return;
        clearTimeout(timer);
        resolve(JSON.parse(buffer.slice(0, newline)));
        req.destroy();
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no Docker event matching ${JSON.stringify(filters)} within ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      if (!(err as NodeJS.ErrnoException).code?.includes('ECONNRESET')) reject(err);
    });
    req.end();
  });
}
