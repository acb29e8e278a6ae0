// An image made from files of this machine, imported as a root filesystem (`docker import`): how the harness
// runs its own code, and products built from registry packages, where no registry of images is reachable.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { engineRequest } from '../harness/docker/engine.js';

export interface RootfsEntry {
  target: string; // absolute path in the image
  source?: string; // host file to copy
  content?: string; // or literal content
  mode: number;
}

/** The host libraries `ldd` lists for a binary, by the paths the loader looks them up at. */
export function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]!);
  }
  if (!libs.some((l) => l.includes('ld-linux'))) throw new Error(`ldd ${binary} listed no dynamic loader:\n${out}`);
  return libs;
}


function stage(entries: RootfsEntry[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'idp-harness-image-'));
  mkdirSync(join(dir, 'tmp'));
  chmodSync(join(dir, 'tmp'), 0o1777);
  for (const e of entries) {
    const dest = join(dir, e.target);
    mkdirSync(dirname(dest), { recursive: true });
    if (e.content !== undefined) writeFileSync(dest, e.content, { mode: e.mode });
    else {
      // A hard link costs nothing; another filesystem needs a copy.
      try {
        linkSync(e.source!, dest);
      } catch {
        copyFileSync(e.source!, dest);
        chmodSync(dest, e.mode);
      }
    }
  }
  return dir;
}


/** The image's size in bytes, or undefined when the engine has no such image. */
export async function imageSize(name: string): Promise<number | undefined> {
  const r = await engineRequest('GET', `/images/${encodeURIComponent(name)}/json`);
  return r.status === 200 ? (JSON.parse(r.body) as { Size: number }).Size : undefined;
}


/** Imports `entries` as the root filesystem of image `name`, with Dockerfile-style `config` (ENV, USER, ENTRYPOINT…). */
export async function importRootfs(name: string, entries: RootfsEntry[], config: readonly string[]): Promise<void> {
  const dir = stage(entries);
  try {
    const tar = spawn('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', dir, '-cf', '-', '.'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tarErr = '';
    tar.stderr.on('data', (c) => (tarErr += c));
    const [repo, tag] = name.split(':') as [string, string];
    const query = [`fromSrc=-`, `repo=${repo}`, `tag=${tag}`, ...config.map((c) => `changes=${encodeURIComponent(c)}`)].join('&');
    const res = await engineRequest('POST', `/images/create?${query}`, { body: tar.stdout, contentType: 'application/x-tar' });
    const tarCode = await new Promise<number | null>((resolve) => (tar.exitCode !== null ? resolve(tar.exitCode) : tar.on('close', resolve)));
    if (tarCode !== 0) throw new Error(`tar of the local image failed (${tarCode}): ${tarErr}`);
    // The import answers 200 with a JSON progress stream; a failure shows as an "error" member.
    if (res.status !== 200 || /"error"/.test(res.body)) throw new Error(`docker import of ${name} failed: ${res.body.trim()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

