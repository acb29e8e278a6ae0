// Authelia reloads its users file through a watch on the file's *directory*, filtered by the file's name. A
// stand-in for that watcher (fs.watch on the directory, the same filter) proves the control's update reaches
// such a watcher, and that the control waits for the reload signal (the sync user accepted) before it returns.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTHELIA_PATHS } from './facts.js';
import { createCa, type Ca } from '../../harness/ca/ca.js';
import { autheliaControl } from './control.js';

let dir: string;
let ca: Ca;
let server: Server;
let watcher: FSWatcher;
let origin: string;
/** Usernames the stand-in has "loaded" from the users file, as Authelia would after a reload. */
let loaded = new Set<string>();
let reloads = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'idp-harness-authelia-control-'));
  ca = createCa(join(dir, 'ca'));
  const usersDir = join(dir, 'authelia-users');
  mkdirSync(usersDir);
  const usersFile = join(usersDir, basename(AUTHELIA_PATHS.users));
  writeFileSync(usersFile, 'users: {}\n');
  writeFileSync(join(dir, 'clients.json'), '[]');
  watcher = watch(usersDir, (_event, name) => {
    if (name !== basename(AUTHELIA_PATHS.users)) return; // Authelia filters its directory's events by name
    try {
      loaded = new Set(Object.keys((parse(readFileSync(usersFile, 'utf8')) as { users: Record<string, unknown> }).users));
      reloads++;
    } catch {
      // a file seen half-written would be skipped the same way
    }
  });
  const leaf = ca.issue(['auth.harness.test']);
  server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const { username } = JSON.parse(body) as { username: string };
      res.writeHead(loaded.has(username) ? 200 : 401, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://auth.harness.test:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  watcher?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('the Authelia control', () => {
  it('keeps the users file in its own directory, the one the docker backend bind-mounts', () => {
    expect(AUTHELIA_PATHS.users.startsWith(`${AUTHELIA_PATHS.usersDir}/`)).toBe(true);
  });

  it("replaces the users file so a watcher of its directory reloads it, and returns once the new user is accepted", async () => {
    const control = autheliaControl(
      { usersFile: join(dir, 'authelia-users', 'users.yml'), clientsFile: join(dir, 'clients.json'), container: 'unused', origin, version: '4.39.20' },
      ca.certPem,
    );
    const before = reloads;
    const user = await control.createUser({ username: 'alice', name: 'Alice', email: 'alice@example.test' });
    expect(user.username).toBe('alice');
    expect(reloads).toBeGreaterThan(before);
    expect(loaded.has('alice')).toBe(true);
    await control.updateUser('alice', { name: 'Alice Renamed' });
    const users = (parse(readFileSync(join(dir, 'authelia-users', 'users.yml'), 'utf8')) as { users: Record<string, { displayname: string }> }).users;
    expect(users.alice!.displayname).toBe('Alice Renamed');
  });

  it('refuses a preferred username other than the username, which Authelia always sends in its place', async () => {
    const control = autheliaControl(
      { usersFile: join(dir, 'authelia-users', 'users.yml'), clientsFile: join(dir, 'clients.json'), container: 'unused', origin, version: '4.38.9' },
      ca.certPem,
    );
    expect(control.capabilities.preferredUsername).toBe('is-username');
    await expect(control.createUser({ username: 'bob', preferredUsername: 'robert' })).rejects.toThrow(/sends the username as preferred_username/);
    await control.createUser({ username: 'bob', preferredUsername: 'bob' });
    await expect(control.updateUser('bob', { preferredUsername: 'robert' })).rejects.toThrow(/capabilities.preferredUsername/);
  });
});
