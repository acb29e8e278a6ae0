// The local image: this machine's `node`, the shared libraries it links, and the project, imported as a
// root filesystem (`docker import`). It lets the embedded provider and the reference photo server run as
// containers where no registry is reachable. Tagged by a hash of its content, so it is built once per
// change of the project or of node, and reused otherwise.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { engineRequest } from '../harness/docker/engine.js';
import { imageSize, importRootfs, sharedLibraries, type RootfsEntry } from './rootfs-image.js';

export const LOCAL_IMAGE_REPO = 'idp-harness-local';
/** Where the project lives inside the image (also the working directory). */
export const IMAGE_APP_DIR = '/app';
export const IMAGE_NODE = '/usr/local/bin/node';
/** Unprivileged user the processes run as. */
export const IMAGE_USER = '1000:1000';
/** Bump when the recipe below changes in a way the file list and IMAGE_CONFIG do not show. */
const RECIPE = 'local-image/1';
/** Image configuration (Dockerfile instructions docker import accepts). NODE_ENV stays unset, as in process. */
const IMAGE_CONFIG = [
  `WORKDIR ${IMAGE_APP_DIR}`,
  `USER ${IMAGE_USER}`,
  'ENV PATH=/usr/local/bin:/usr/bin:/bin',
  'ENV HOME=/tmp',
  `ENTRYPOINT ["${IMAGE_NODE}"]`,
];

const PROJECT_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
/** What of the project goes in: sources and data the mains load at run time (tests stay out). */
const PROJECT_ENTRIES = ['package.json', 'tsconfig.json', 'harness', 'products', 'containers', 'fixtures'];
/** Production dependencies the containers never load (browser driver, test runner, Docker client). */
const NOT_IN_IMAGE = new Set(['playwright-core', 'vitest', 'testcontainers']);

export interface LocalImage {
  name: string; // idp-harness-local:<hash>
  hash: string;
  /** Set when this call built it (false: found in the engine). */
  built: boolean;
  buildMs?: number;
  sizeBytes: number;
}

type Entry = RootfsEntry;

/** The package directories production needs, following dependencies through node_modules as Node resolves them. */
function dependencyClosure(root: string): string[] {
  const seen = new Set<string>();
  const resolveFrom = (dir: string, name: string): string | undefined => {
    for (let d = dir; ; d = dirname(d)) {
      const candidate = join(d, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return candidate;
      if (d === root || dirname(d) === d) return undefined;
    }
  };
  const visit = (dir: string, names: string[], optional: Set<string>) => {
    for (const name of names) {
      const found = resolveFrom(dir, name);
      if (!found) {
        if (optional.has(name)) continue; // optional (other platforms): legitimately absent
        throw new Error(`dependency ${name} of ${relative(root, dir) || 'the project'} is not installed: run npm ci`);
      }
      if (seen.has(found)) continue;
      seen.add(found);
      const pkg = JSON.parse(readFileSync(join(found, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
      const opt = new Set(Object.keys(pkg.optionalDependencies ?? {}));
      const peers = Object.keys(pkg.peerDependencies ?? {}).filter((p) => resolveFrom(found, p));
      visit(found, [...Object.keys(pkg.dependencies ?? {}), ...opt, ...peers], new Set([...opt, ...peers]));
    }
  };
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  visit(root, Object.keys(pkg.dependencies).filter((n) => !NOT_IN_IMAGE.has(n)), new Set());
  return [...seen].sort();
}

function walk(dir: string, skip: (path: string, isDir: boolean) => boolean, out: string[]): void {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (skip(p, d.isDirectory())) continue;
    if (d.isDirectory()) walk(p, skip, out);
    else if (d.isFile()) out.push(p);
    // Symlinks (node_modules/.bin) are left out: nothing in the image runs through them.
  }
}

function recipe(root: string): Entry[] {
  const node = realpathSync(process.execPath);
  const entries: Entry[] = [{ target: IMAGE_NODE, source: node, mode: 0o755 }];
  for (const lib of sharedLibraries(node)) entries.push({ target: lib, source: realpathSync(lib), mode: 0o755 });
  const etc: Record<string, string> = {
    '/etc/passwd': 'root:x:0:0:root:/root:/sbin/nologin\nharness:x:1000:1000:harness:/tmp:/sbin/nologin\n',
    '/etc/group': 'root:x:0:\nharness:x:1000:\n',
    '/etc/nsswitch.conf': 'hosts: files dns\n',
  };
  for (const [target, content] of Object.entries(etc)) entries.push({ target, content, mode: 0o644 });

  const files: string[] = [];
  const skipProject = (p: string, isDir: boolean) => (!isDir && p.endsWith('.test.ts')) || (isDir && p.endsWith('/node_modules'));
  for (const e of PROJECT_ENTRIES) {
    const p = join(root, e);
    if (!existsSync(p)) continue;
    if (statSync(p).isDirectory()) walk(p, skipProject, files);
    else files.push(p);
  }
  for (const pkgDir of dependencyClosure(root)) {
    // A package's own node_modules holds nested packages; those in the closure are visited on their own.
    walk(pkgDir, (p, isDir) => isDir && p === join(pkgDir, 'node_modules'), files);
  }
  for (const f of files) {
    entries.push({ target: join(IMAGE_APP_DIR, relative(root, f)), source: f, mode: statSync(f).mode & 0o777 });
  }
  return entries.sort((a, b) => (a.target < b.target ? -1 : 1));
}

function contentHash(entries: Entry[]): string {
  const h = createHash('sha256').update(RECIPE).update(JSON.stringify(IMAGE_CONFIG));
  for (const e of entries) {
    h.update(`\0${e.target}\0${e.mode}\0`);
    h.update(e.source !== undefined ? readFileSync(e.source) : e.content!);
  }
  return h.digest('hex').slice(0, 12);
}

/**
 * Removes earlier builds (each change of the project makes a new one), except those a container still
 * uses: the engine refuses those without force, and they go next time.
 */
async function pruneOlder(keep: string): Promise<void> {
  const filter = encodeURIComponent(JSON.stringify({ reference: [LOCAL_IMAGE_REPO] }));
  const list = JSON.parse((await engineRequest('GET', `/images/json?filters=${filter}`)).body) as { RepoTags: string[] | null }[];
  for (const tag of list.flatMap((i) => i.RepoTags ?? []).filter((t) => t !== keep)) {
    await engineRequest('DELETE', `/images/${encodeURIComponent(tag)}`);
  }
}

let pending: Promise<LocalImage> | undefined;

/**
 * The local image for the project as it is now: found by its content tag, or built (once per process).
 * Prints the build time and size when it builds.
 */
export function ensureLocalImage(opts: { log?: (line: string) => void } = {}): Promise<LocalImage> {
  pending ??= (async () => {
    const log = opts.log ?? ((line: string) => process.stderr.write(`idp-harness: ${line}\n`));
    const entries = recipe(PROJECT_ROOT);
    const hash = contentHash(entries);
    const name = `${LOCAL_IMAGE_REPO}:${hash}`;
    const existing = await imageSize(name);
    if (existing !== undefined) return { name, hash, built: false, sizeBytes: existing };
    const started = Date.now();
    await importRootfs(name, entries, IMAGE_CONFIG);
    const buildMs = Date.now() - started;
    const sizeBytes = (await imageSize(name)) ?? 0;
    await pruneOlder(name);
    log(`built local image ${name} (${(sizeBytes / 1e6).toFixed(0)} MB, ${entries.length} files) in ${(buildMs / 1000).toFixed(1)} s`);
    return { name, hash, built: true, buildMs, sizeBytes };
  })();
  pending.catch(() => (pending = undefined));
  return pending;
}

/** Removes the local image by name (tests that measure a cold build). */
export async function removeLocalImage(name: string): Promise<void> {
  const r = await engineRequest('DELETE', `/images/${encodeURIComponent(name)}?force=true`);
  if (r.status >= 300 && r.status !== 404) throw new Error(`removing ${name} failed: ${r.body.trim()}`);
  pending = undefined;
}
