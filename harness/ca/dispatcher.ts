// The harness's own HTTP trusts the run's CA and nothing else, and resolves the test names to loopback,
// so it reaches every host by the same URL as the containers and the browser do.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';

export const TEST_DOMAIN = 'harness.test';

export interface ResolveOptions {
  /** Exact host → IP overrides; by default `*.harness.test` and `localhost` resolve to 127.0.0.1. */
  resolve?: Record<string, string>;
}

function mapped(hostname: string, resolve: Record<string, string>): string | undefined {
  const host = hostname.toLowerCase();
  if (resolve[host]) return resolve[host];
  if (host === TEST_DOMAIN || host.endsWith(`.${TEST_DOMAIN}`) || host === 'localhost') return '127.0.0.1';
  return undefined;
}

/** A `lookup` for node:net/tls (and node:https, got, openid-client 5 http options). */
export function harnessLookup(resolve: Record<string, string> = {}): LookupFunction {
  return ((hostname: string, options: { all?: boolean } | number, callback: (...args: unknown[]) => void) => {
    const cb = typeof options === 'function' ? (options as typeof callback) : callback;
    const opts = typeof options === 'object' && options !== null ? options : {};
    const ip = mapped(hostname, resolve);
    if (!ip) return dnsLookup(hostname, opts as never, cb as never);
    const family = ip.includes(':') ? 6 : 4;
    if (opts.all) return process.nextTick(cb, null, [{ address: ip, family } satisfies LookupAddress]);
    return process.nextTick(cb, null, ip, family);
  }) as LookupFunction;
}

/** An undici Agent trusting only `caPem` and mapping the test names to loopback. */
export function caAgent(caPem: string, opts: ResolveOptions = {}): Agent {
  return new Agent({ connect: { ca: caPem, lookup: harnessLookup(opts.resolve) } });
}

/** A `fetch` bound to a CA agent (e.g. for openid-client 6's customFetch). */
export function caFetch(caPem: string, opts: ResolveOptions = {}): typeof fetch {
  const dispatcher = caAgent(caPem, opts);
  return ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(input as never, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch;
}
