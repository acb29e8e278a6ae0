// The control API over loopback HTTP (Bearer token), so other processes (and the container form) can use it.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CONTROL_PATHS, type IdpControl } from '../../idp/control.js';
import { readBody } from './interactions.js';
import { BadRequest } from './store.js';

function json(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function controlServer(control: IdpControl, token: string): Server {
  const expected = digest(`Bearer ${token}`);
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
      return json(res, 401, { error: 'missing or wrong Bearer token: use the controlToken the provider was started with' });
    }
    const path = new URL(req.url ?? '/', 'http://control').pathname;
    const body = async () => {
      const text = await readBody(req);
      try {
        return text ? JSON.parse(text) : {};
      } catch {
        throw new BadRequest('the request body is not JSON');
      }
    };
    if (req.method === 'GET' && path === CONTROL_PATHS.capabilities) return json(res, 200, control.capabilities);
    if (req.method === 'POST' && path === CONTROL_PATHS.users) return json(res, 201, await control.createUser(await body()));
    if (req.method === 'POST' && path === CONTROL_PATHS.clients) return json(res, 201, await control.createClient(await body()));
    if (req.method === 'POST' && path === CONTROL_PATHS.hold && control.holdSignIns) {
      const { ms, count } = (await body()) as { ms?: unknown; count?: unknown };
      if (typeof ms !== 'number' || ms < 0) throw new BadRequest('hold needs { ms: <non-negative number>, count?: <number> }');
      await control.holdSignIns(ms, typeof count === 'number' ? count : 1);
      return json(res, 204);
    }
    if (req.method === 'POST' && path === CONTROL_PATHS.logoutTokens && control.logoutToken) {
      return json(res, 201, { logoutToken: await control.logoutToken(await body()) });
    }
    if (req.method === 'PATCH' && path.startsWith(`${CONTROL_PATHS.users}/`)) {
      const username = decodeURIComponent(path.slice(CONTROL_PATHS.users.length + 1));
      await control.updateUser(username, await body());
      return json(res, 204);
    }
    return json(res, 404, { error: `no control endpoint ${req.method} ${path}` });
  };
  return createServer((req, res) => {
    handle(req, res).catch((err: Error) => json(res, err instanceof BadRequest ? 400 : 500, { error: err.message }));
  });
}
