// A real Keycloak where no image registry is reachable: the server distribution from Maven Central
// (org.keycloak:keycloak-quarkus-dist, checked against Central's SHA-512), this machine's JDK (21 or newer)
// and the few host tools kc.sh calls, imported as an image laid out like the official one (/opt/keycloak,
// kc.sh as entrypoint, KC_RUN_IN_CONTAINER). Tagged by what went in, so it is built once and reused.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { imageSize, importRootfs, sharedLibraries, type RootfsEntry } from '../../containers/rootfs-image.js';
import type { LocalProductImage } from '../types.js';

/** Bump when what goes into the image changes in a way the inputs below do not show. */
const RECIPE = 'keycloak-local/1';
export const LOCAL_KEYCLOAK_REPO = 'idp-harness-local/keycloak';
const JAVA_DIR = '/opt/java/openjdk';
/** What kc.sh runs besides java (uname, readlink, dirname, sed, grep, xargs printf; sleep in its signal trap). */
const TOOLS = ['/bin/sh', '/usr/bin/uname', '/usr/bin/readlink', '/usr/bin/dirname', '/usr/bin/sed', '/usr/bin/grep', '/usr/bin/xargs', '/usr/bin/printf', '/usr/bin/sleep'];

export const mavenRepository = () => (process.env.IDP_HARNESS_MAVEN_REPOSITORY ?? 'https://repo1.maven.org/maven2').replace(/\/$/, '');
const cacheDir = () => join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'idp-harness', 'keycloak');

/** A JDK of at least `major`: IDP_HARNESS_JAVA_HOME, JAVA_HOME, then the newest under /usr/lib/jvm. */
export function findJdk(major = 21): { home: string; version: string } {
  const versionOf = (home: string) => /^JAVA_VERSION="([^"]+)"/m.exec(existsSync(join(home, 'release')) ? readFileSync(join(home, 'release'), 'utf8') : '')?.[1];
  const majorOf = (v: string) => Number(v.split('.')[0]);
  const given = process.env.IDP_HARNESS_JAVA_HOME ?? process.env.JAVA_HOME;
  const candidates = [
    ...(given ? [given] : []),
    ...(existsSync('/usr/lib/jvm') ? readdirSync('/usr/lib/jvm').map((d) => join('/usr/lib/jvm', d)) : []),
  ];
  const found = candidates
    .map((home) => ({ home, version: versionOf(home) }))
    .filter((j): j is { home: string; version: string } => j.version !== undefined && majorOf(j.version) >= major && existsSync(join(j.home, 'bin', 'java')))
    .sort((a, b) => majorOf(b.version) - majorOf(a.version));
  const pick = given && found.find((j) => j.home === given) ? found.find((j) => j.home === given)! : found[0];
  if (!pick) throw new Error(`Keycloak 26 needs Java ${major} or newer and none was found: install a JDK ${major}+ or set IDP_HARNESS_JAVA_HOME`);
  return { home: realpathSync(pick.home), version: pick.version };
}

async function download(url: string, file: string): Promise<void> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`${url} answered ${res.status}: set IDP_HARNESS_MAVEN_REPOSITORY to a Maven repository that has it`);
  const part = `${file}.part`;
  await pipeline(Readable.fromWeb(res.body as never), createWriteStream(part));
  renameSync(part, file);
}

/** The distribution, downloaded once and checked against the repository's SHA-512; answers its directory and digest. */
export async function keycloakDistribution(version: string): Promise<{ dir: string; sha512: string; coordinates: string }> {
  const coordinates = `org.keycloak:keycloak-quarkus-dist:${version}`;
  const base = `${mavenRepository()}/org/keycloak/keycloak-quarkus-dist/${version}/keycloak-quarkus-dist-${version}.tar.gz`;
  const root = join(cacheDir(), version);
  const dir = join(root, `keycloak-${version}`);
  const done = join(root, 'complete');
  if (existsSync(done)) return { dir, sha512: readFileSync(done, 'utf8').trim(), coordinates };
  mkdirSync(root, { recursive: true });
  const archive = join(root, 'dist.tar.gz');
  const expectedRes = await fetch(`${base}.sha512`);
  if (!expectedRes.ok) throw new Error(`${base}.sha512 answered ${expectedRes.status}: is ${coordinates} published there?`);
  const expected = (await expectedRes.text()).trim().split(/\s+/)[0]!.toLowerCase();
  if (!existsSync(archive)) await download(base, archive);
  const actual = createHash('sha512').update(readFileSync(archive)).digest('hex');
  if (actual !== expected) {
    rmSync(archive, { force: true });
    throw new Error(`${coordinates} does not match the repository's SHA-512 (got ${actual.slice(0, 16)}…): the download was removed, try again`);
  }
  rmSync(dir, { recursive: true, force: true });
  execFileSync('tar', ['-xzf', archive, '-C', root]);
  if (!existsSync(join(dir, 'bin', 'kc.sh'))) throw new Error(`${coordinates} unpacked without keycloak-${version}/bin/kc.sh`);
  rmSync(archive, { force: true });
  writeFileSync(done, `${actual}\n`);
  return { dir, sha512: actual, coordinates };
}

function filesUnder(dir: string, skip: (rel: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (skip(relative(dir, p))) continue;
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
      // A packaged JDK links some files elsewhere (lib/security/cacerts -> /etc/ssl/certs/java/cacerts).
      else if (e.isSymbolicLink() && existsSync(p) && statSync(p).isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

function entriesFor(dist: string, jdk: string): RootfsEntry[] {
  const entries = new Map<string, RootfsEntry>();
  const add = (target: string, source: string) => entries.set(target, { target, source, mode: statSync(source).mode & 0o777 });
  for (const f of filesUnder(dist)) add(join('/opt/keycloak', relative(dist, f)), f);
  // The JDK without what a server never uses (headers, manuals, sources, module files for jlink).
  const jdkFiles = filesUnder(jdk, (rel) => /^(include|man|jmods|demo|sample)(\/|$)|^lib\/src\.zip$/.test(rel));
  for (const f of jdkFiles) add(join(JAVA_DIR, relative(jdk, f)), realpathSync(f));
  // Keycloak refuses to start without a system truststore.
  if (!entries.has(join(JAVA_DIR, 'lib/security/cacerts'))) {
    throw new Error(`the JDK at ${jdk} has no readable lib/security/cacerts, which Keycloak needs: install the JDK's CA certificates (Debian: ca-certificates-java)`);
  }
  // Host libraries for the JDK's native code and the tools, at the paths the loader looks them up.
  const natives = [join(jdk, 'bin', 'java'), ...jdkFiles.filter((f) => f.endsWith('.so')), ...TOOLS.map((t) => realpathSync(t))];
  const libs = new Set<string>();
  for (const binary of natives) {
    try {
      for (const lib of sharedLibraries(binary)) libs.add(lib);
    } catch {
      // a library ldd cannot read (e.g. one for another machine) needs nothing of the host
    }
  }
  for (const lib of libs) if (!lib.startsWith(jdk)) add(lib, realpathSync(lib));
  for (const tool of TOOLS) add(tool, realpathSync(tool));
  const etc: Record<string, string> = {
    '/etc/passwd': 'root:x:0:0:root:/root:/sbin/nologin\nkeycloak:x:1000:0:keycloak:/opt/keycloak:/sbin/nologin\n',
    '/etc/group': 'root:x:0:\n',
    '/etc/nsswitch.conf': 'hosts: files dns\n',
  };
  for (const [target, content] of Object.entries(etc)) entries.set(target, { target, content, mode: 0o644 });
  return [...entries.values()].sort((a, b) => (a.target < b.target ? -1 : 1));
}

const config = (jdkVersion: string) => [
  `ENV JAVA_HOME=${JAVA_DIR}`,
  `ENV PATH=${JAVA_DIR}/bin:/usr/bin:/bin`,
  'ENV LANG=en_US.UTF-8',
  'ENV KC_RUN_IN_CONTAINER=true',
  `ENV IDP_HARNESS_JDK=${jdkVersion}`,
  'WORKDIR /opt/keycloak',
  // Root, unlike the official image's uid 1000: an imported root filesystem is root's, and Keycloak writes its
  // build and data under /opt/keycloak. Nothing of the login behaviour depends on the user.
  'USER 0',
  'ENTRYPOINT ["/opt/keycloak/bin/kc.sh"]',
];

const pending = new Map<string, Promise<LocalProductImage>>();

/** The local Keycloak image of `version`: found by its tag, or built now (once per process and version). */
export function localKeycloakImage(version: string, log: (line: string) => void = (l) => process.stderr.write(`idp-harness: ${l}\n`)): Promise<LocalProductImage> {
  let p = pending.get(version);
  if (!p) {
    p = (async () => {
      const jdk = findJdk();
      const dist = await keycloakDistribution(version);
      const entries = entriesFor(dist.dir, jdk.home);
      // What went in: the distribution's digest, the JDK's release, and every file's path and size (host tools too).
      const manifest = entries.map((e) => `${e.target}\0${e.mode}\0${e.source ? statSync(e.source).size : e.content}`).join('\n');
      const tag = createHash('sha256')
        .update(`${RECIPE}\0${dist.sha512}\0${readFileSync(join(jdk.home, 'release'), 'utf8')}\0${JSON.stringify(config(jdk.version))}\0${manifest}`)
        .digest('hex')
        .slice(0, 12);
      const name = `${LOCAL_KEYCLOAK_REPO}:${version}-${tag}`;
      const origin = `${dist.coordinates} (sha512 ${dist.sha512.slice(0, 16)}…) on Java ${jdk.version}`;
      if ((await imageSize(name)) !== undefined) return { name, origin };
      const started = Date.now();
      await importRootfs(name, entries, config(jdk.version));
      log(`built local Keycloak image ${name} (${entries.length} files) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return { name, origin };
    })();
    p.catch(() => pending.delete(version));
    pending.set(version, p);
  }
  return p;
}
