// The TLS front: Immich does not terminate TLS, so, like the reverse proxy of a real deployment, the harness
// serves https://photos.harness.test:<port> on the host and forwards to the container's published http port,
// adding the X-Forwarded-* headers a proxy adds (Immich trusts them from private addresses).
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { FRONT_FAULT_HEADER } from '../flows/faults.js';

export interface TlsFront {
  /** https://<host>:<port> */
  url: string;
  port: number;
  /** Points the front at the server (its port may be known only after the URL was handed out). */
  setTarget(target: { host: string; port: number }): void;
  close(): Promise<void>;
}

export interface TlsFrontOptions {
  /** Name in the URL (the leaf must cover it). */
  host: string;
  tls: { certPem: string; keyPem: string };
  /** Where plain HTTP is served, e.g. the container's published port on 127.0.0.1; or later with setTarget. */
  target?: { host: string; port: number };
  /** Called for each failed forward (logged with the stack). */
  onError?: (message: string) => void;
}

function forwardedHeaders(headers: IncomingHttpHeaders, remote: string | undefined): IncomingHttpHeaders {
  const prior = headers['x-forwarded-for'];
  return {
    ...headers,
    'x-forwarded-proto': 'https',
    'x-forwarded-host': headers.host,
    'x-forwarded-for': [prior, remote].filter(Boolean).join(', '),
  };
}

export async function startTlsFront(o: TlsFrontOptions): Promise<TlsFront> {
  const agent = new Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  let target = o.target;
  const server = createServer({ cert: o.tls.certPem, key: o.tls.keyPem }, (req, res) => {
    if (!target) {
      res.writeHead(503, { 'content-type': 'text/plain', [FRONT_FAULT_HEADER]: 'not-started' }).end('TLS front: the photo server is not started yet');
      return;
    }
    const to = target;
    // The body is read whole first (the browser's requests to Immich are small), so a request can be sent again.
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const send = (attempt: number) => {
        const upstream = request(
          {
            host: to.host,
            port: to.port,
            method: req.method,
            path: req.url,
            headers: forwardedHeaders(req.headers, req.socket.remoteAddress),
            // The second attempt must not take another pooled socket, which may be just as stale.
            agent: attempt === 1 ? agent : false,
          },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.rawHeaders);
            up.pipe(res);
          },
        );
        upstream.on('error', (err: NodeJS.ErrnoException) => {
          // A keep-alive socket the server had already closed fails before any byte of an answer: the request
          // never reached the server, so it is sent once more on a new connection, and the stack log says so.
          if (upstream.reusedSocket && !res.headersSent && attempt === 1 && /ECONNRESET|EPIPE|socket hang up/.test(`${err.code} ${err.message}`)) {
            o.onError?.(`front ${req.method} ${req.url}: ${err.code ?? err.message} on a reused keep-alive socket; sent again on a new connection`);
            send(2);
            return;
          }
          o.onError?.(`front ${req.method} ${req.url}: ${err.message}`);
          // Marked as the front's own answer, so no caller takes it for the photo server's.
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain', [FRONT_FAULT_HEADER]: 'upstream-failed' });
          res.end(`TLS front: upstream ${to.host}:${to.port} failed: ${err.message}`);
        });
        upstream.end(body);
      };
      send(1);
    });
  });
  // WebSocket upgrades (the web app's live updates) pass through as bytes after the rewritten head.
  server.on('upgrade', (req, socket: Socket, head: Buffer) => {
    if (!target) {
      socket.destroy();
      return;
    }
    const up = connect(target.port, target.host, () => {
      const headers = forwardedHeaders(req.headers, req.socket.remoteAddress);
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (const [k, v] of Object.entries(headers)) for (const one of [v].flat()) if (one !== undefined) lines.push(`${k}: ${one}`);
      up.write(`${lines.join('\r\n')}\r\n\r\n`);
      up.write(head);
      up.pipe(socket).pipe(up);
    });
    const end = () => {
      up.destroy();
      socket.destroy();
    };
    up.on('error', end);
    socket.on('error', end);
  });
  server.on('secureConnection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://${o.host}:${port}`,
    port,
    setTarget: (t) => {
      target = t;
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      });
      agent.destroy();
    },
  };
}
