// The reference photo server: a model of Immich's OAuth contract for one modelled release, served over
// https (or http without TLS) on loopback. Not Immich: every page and log line says "reference model".
import { readFileSync } from 'node:fs';
import { lookup as dnsLookup } from 'node:dns';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';
import { MemoryLog } from './errors.js';
import { relyingParty, type Outgoing } from './oidc.js';
import { PhotosHttp } from './server.js';
import { PhotosService } from './service.js';
import { behaviourFor, MODELLED_VERSIONS, type ModelledVersion } from './versions.js';

export { MODELLED_VERSIONS, type ModelledVersion };

export interface ReferencePhotosOptions {
  version: ModelledVersion | string;
  /** Name in the public URL; default photos.harness.test. */
  host?: string;
  tls?: { certPem: string; keyPem: string };
  listen?: { host?: string; port?: number };
  /** Extra PEM to trust for requests to the IdP; absent = Node's default trust (incl. NODE_EXTRA_CA_CERTS). */
  ca?: string;
  /** host → IP for requests to the IdP, e.g. { 'auth.harness.test': '127.0.0.1' }. */
  resolve?: Record<string, string>;
  /** Also write each log line here (main.ts sends them to stderr). */
  echo?: (line: string) => void;
}

export interface ReferencePhotos {
  url: string;
  port: number;
  version: string;
  /** "reference model of Immich vX.Y.Z" */
  name: string;
  logs(): string;
  close(): Promise<void>;
}

function overrideLookup(resolve: Record<string, string>): LookupFunction {
  const table = Object.fromEntries(Object.entries(resolve).map(([host, ip]) => [host.toLowerCase(), ip]));
  return ((hostname: string, options: unknown, callback: (...args: unknown[]) => void) => {
    const ip = table[hostname.toLowerCase()];
    if (!ip) return dnsLookup(hostname, options as never, callback as never);
    const family = ip.includes(':') ? 6 : 4;
    if ((options as { all?: boolean })?.all) return process.nextTick(callback, null, [{ address: ip, family }]);
    return process.nextTick(callback, null, ip, family);
  }) as LookupFunction;
}

/** How requests to the IdP are made: untouched Node defaults unless a CA or name overrides are given. */
function outgoing(opts: ReferencePhotosOptions): { out: Outgoing; close: () => Promise<void> } {
  if (!opts.ca && !opts.resolve) return { out: {}, close: async () => {} };
  // An explicit CA list replaces Node's defaults, NODE_EXTRA_CA_CERTS included: keep that file trusted, as
  // Immich (which has no other CA setting) trusts it.
  const extra = process.env.NODE_EXTRA_CA_CERTS ? readFileSync(process.env.NODE_EXTRA_CA_CERTS, 'utf8') : undefined;
  const ca = opts.ca ? [...rootCertificates, ...(extra ? [extra] : []), opts.ca] : undefined;
  const lookup = opts.resolve ? overrideLookup(opts.resolve) : undefined;
  const agent = new Agent({ connect: { ...(ca ? { ca } : {}), ...(lookup ? { lookup } : {}) } });
  const fetchVia = ((input: string | URL, init?: RequestInit) =>
    undiciFetch(input as never, { ...(init as object), dispatcher: agent } as never)) as unknown as typeof fetch;
  return {
    out: { fetch: fetchVia, httpOptions: { ...(ca ? { ca } : {}), ...(lookup ? { lookup: lookup as never } : {}) } },
    close: () => agent.close(),
  };
}

export async function startReferencePhotos(opts: ReferencePhotosOptions): Promise<ReferencePhotos> {
  const b = behaviourFor(opts.version);
  const version = opts.version;
  const name = `reference model of Immich ${version}`;
  const log = new MemoryLog(name, opts.echo);
  const { out, close: closeOutgoing } = outgoing(opts);
  const service = new PhotosService(version, b, relyingParty(b, out, log), log, out.fetch ?? fetch);
  const http = new PhotosHttp(name, version, b, service, log);

  const secure = Boolean(opts.tls);
  const onRequest = (req: Parameters<PhotosHttp['handle']>[0], res: Parameters<PhotosHttp['handle']>[1]) => {
    http.handle(req, res, secure).catch((error) => {
      log.error('Http', `request failed: ${error}`, error);
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  };
  const server: Server = opts.tls
    ? createHttpsServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }, onRequest)
    : createHttpServer(onRequest);

  const listenHost = opts.listen?.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listen?.port ?? 0, listenHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `${secure ? 'https' : 'http'}://${opts.host ?? 'photos.harness.test'}:${port}`;
  log.log('Bootstrap', `${name} listening on ${listenHost}:${port} as ${url}`);

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    version,
    name,
    logs: () => log.text(),
    close: () =>
      (closed ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await closeOutgoing();
      })()),
  };
}
