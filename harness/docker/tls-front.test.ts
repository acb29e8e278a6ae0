// The TLS front before the photo server: a keep-alive socket the server closed without a word must not turn
// into a 502 for the browser (a JavaScript chunk of the web app lost that way left the login page blank).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, type Ca } from '../ca/ca.js';
import { caAgent } from '../ca/dispatcher.js';
import { ImmichApi } from '../../products/immich/api.js';
import { FRONT_FAULT_HEADER } from '../flows/faults.js';
import { startTlsFront, type TlsFront } from './tls-front.js';

let dir: string;
let ca: Ca;
let upstream: Server;
let front: TlsFront;
const log: string[] = [];
let connections = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'idp-harness-front-'));
  ca = createCa(join(dir, 'ca'));
  // An HTTP/1.1 server that answers the first request of each connection with keep-alive, then drops the
  // connection with a reset when a second request arrives on it: what a server that closed an idle socket does.
  upstream = createServer((socket: Socket) => {
    connections++;
    let answered = false;
    socket.on('data', () => {
      if (answered) {
        socket.resetAndDestroy();
        return;
      }
      answered = true;
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const port = (upstream.address() as { port: number }).port;
  front = await startTlsFront({ host: 'photos.harness.test', tls: ca.issue(['photos.harness.test']), target: { host: '127.0.0.1', port }, onError: (m) => log.push(m) });
});
afterAll(async () => {
  await front?.close();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('the TLS front', () => {
  it('sends a request again on a new connection when the reused keep-alive socket was closed, and logs it', async () => {
    const agent = caAgent(ca.certPem);
    try {
      const answers: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${front.url}/_app/chunk-${i}.js`, { dispatcher: agent } as RequestInit);
        await res.text();
        answers.push(res.status);
      }
      expect(answers).toEqual([200, 200, 200]);
      // The second request meets the closed socket and is sent again on a connection of its own, outside the
      // pool; the third opens a fresh pooled one.
      expect(connections).toBe(3);
      expect(log.filter((l) => /on a reused keep-alive socket; sent again on a new connection/.test(l))).toHaveLength(1);
    } finally {
      await agent.close();
    }
  });

  it("marks the 502 it makes itself when the photo server does not answer, and the Immich client refuses it as the server's answer", async () => {
    // A port nothing listens on: the front's request fails before any answer.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const dead = await startTlsFront({ host: 'photos.harness.test', tls: ca.issue(['photos.harness.test']), target: { host: '127.0.0.1', port } });
    const agent = caAgent(ca.certPem);
    try {
      const res = await fetch(`${dead.url}/api/oauth/callback`, { method: 'POST', dispatcher: agent } as RequestInit);
      await res.text();
      expect(res.status).toBe(502);
      expect(res.headers.get(FRONT_FAULT_HEADER)).toBe('upstream-failed');
      const api = new ImmichApi(dead.url, 'v3.1.0', agent);
      await expect(api.oauthCallback({ url: `${dead.url}/auth/login?code=x&state=y` })).rejects.toThrow(/the photo server did not answer/);
    } finally {
      await agent.close();
      await dead.close();
    }
  });
});
