// The docker backend: one cell as containers on one labelled network. The IdP listens inside its container
// on the port published on the host (https://auth.harness.test:P from containers, browser and harness alike);
// the photo server speaks plain http and the harness serves it as https://photos.harness.test:<port> through
// a TLS front on the host. `images: 'local'` runs the reference model and the embedded provider from the
// locally built image; otherwise the real products' images.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { GenericContainer, StartedTestContainer } from 'testcontainers';
import { idpProduct, idpProducts } from '../../products/index.js';
import type { IdpProduct, LocalProductImage, StackParts } from '../../products/types.js';
import { EmbeddedIdpContainer } from '../../products/embedded-idp/container.js';
import { ensureImage, immichImages } from '../../containers/images.js';
import { mapImage } from '../../containers/image-map.js';

export interface ImageRef {
  name: string;
  digest?: string;
  id?: string;
}
import { ImmichContainer, immichFacts } from '../../products/immich/facts.js';
import { ensureLocalImage } from '../../containers/local-image.js';
import { PostgresContainer } from '../../containers/postgres.js';
import { RedisContainer } from '../../containers/redis.js';
import { ReferencePhotosContainer } from '../../products/reference-photos/container.js';
import { HarnessContainer } from '../../containers/spec.js';
import type { Ca } from '../ca/ca.js';
import { caAgent } from '../ca/dispatcher.js';
import { createNetwork, dockerAvailable, engineRequest, RUN_LABEL, STACK_LABEL, sweepLabelled, sweepOnExit } from '../docker/engine.js';
import { ContainerLog } from '../docker/logs.js';
import { freeLoopbackPort, isPortTaken } from '../docker/ports.js';
import { abortableWait } from '../docker/wait.js';
import { startTlsFront } from '../docker/tls-front.js';
import type { PooledClient } from '../idp/client-pool.js';
import { ImmichApi } from '../../products/immich/api.js';
import type { Cell, CellProvenance } from '../model.js';
import type { IdpControlInfo, Stack } from './types.js';

// Ryuk (testcontainers' reaper) cannot be pulled here; the stack removes what it labelled instead.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

export const AUTH_HOST = 'auth.harness.test';
export const PHOTOS_HOST = 'photos.harness.test';

export interface Implementation {
  photos: 'immich' | 'reference';
  /** 'embedded', or the id of the real IdP product (products/<id>/). */
  idp: string;
}

/**
 * `local` cells run the reference model of Immich, and the real IdP where its product builds a local image of
 * itself (products/<id>/ `localImage`), the embedded provider's profile otherwise; upstream cells run the real
 * products. The plain oidc-provider is always the embedded one.
 */
export function implementationFor(cell: Cell): Implementation {
  const local = cell.images === 'local';
  const product = idpProducts.get(cell.idp.product);
  const realIdp = product !== undefined && (!local || product.localImage !== undefined);
  return { photos: local ? 'reference' : 'immich', idp: realIdp ? product.id : 'embedded' };
}

/** The upstream images a cell needs (none for the parts that come from the local image). */
export function upstreamImagesFor(cell: Cell): string[] {
  const impl = implementationFor(cell);
  const idp = impl.idp === 'embedded' || cell.images === 'local' ? [] : idpProduct(impl.idp).images(cell.idp.version);
  return [...new Set([...idp, ...(impl.photos === 'immich' ? immichImages(cell.immich) : [])])];
}

export function dockerProvenance(cell: Cell, localImage?: string, images?: ImageRef[], idpBuild?: LocalProductImage): CellProvenance {
  const impl = implementationFor(cell);
  const local = `local image ${localImage ?? 'idp-harness-local'}`;
  const photos =
    impl.photos === 'reference'
      ? `reference model of Immich ${cell.immich} (${local})`
      : `Immich ${cell.immich} (${imageOrigin(mapImage(immichFacts(cell.immich).image), images)})`;
  const profile = cell.idp.product === 'oidc-provider' ? 'plain' : `${cell.idp.product} ${cell.idp.version}`;
  const product = impl.idp === 'embedded' ? undefined : idpProduct(impl.idp);
  const origin = () => {
    if (cell.images !== 'local') return imageOrigin(product!.mainImage(cell.idp.version), images);
    if (!idpBuild) return 'locally built';
    const id = images?.find((i) => i.name === idpBuild.name)?.id;
    return `locally built from ${idpBuild.origin}; ${idpBuild.name}${id ? `, image ${id.replace(/^sha256:/, '').slice(0, 12)}` : ''}`;
  };
  const idp = product
    ? `${product.title} ${cell.idp.version} (${origin()})`
    : `embedded oidc-provider, ${profile} profile (${cell.idp.variant}) (${local})`;
  return { photos, idp };
}

/** A cell's image could be neither found nor pulled: the cell is "not run", not broken. */
export class ImageUnavailable extends Error {
  constructor(
    readonly image: string,
    why: string,
  ) {
    super(`image ${image} unavailable (${why})`);
  }
  override readonly name = 'ImageUnavailable';
}

/** Every image found locally or pulled, or an ImageUnavailable naming the first that cannot be had. */
export async function requireImages(names: string[]): Promise<ImageRef[]> {
  const checks = await Promise.all(names.map(async (name) => ({ name, check: await ensureImage(name) })));
  const found: ImageRef[] = [];
  for (const { name, check } of checks) {
    if (!check.ok) throw new ImageUnavailable(name, check.reason);
    found.push({ name, ...(check.digest ? { digest: check.digest } : {}), ...(check.id ? { id: check.id } : {}) });
  }
  return found;
}

/**
 * Which build of an image a verdict came from: the registry digest when the engine has one, otherwise the
 * engine's image ID and "locally built" — a rebuilt image under an official tag is not the published one.
 */
export function imageOrigin(name: string, images: ImageRef[] = []): string {
  const found = images.find((i) => i.name === name);
  if (!found) return name;
  if (found.digest) return `${name}@${found.digest}`;
  return `${name}, locally built${found.id ? `, image ${found.id.replace(/^sha256:/, '').slice(0, 12)}` : ''}`;
}

export interface DockerStackOptions {
  /** Start containers one after another instead of in parallel (to measure what parallel saves). */
  sequential?: boolean;
}

interface Context {
  cell: Cell;
  ca: Ca;
  network: string;
  labels: Record<string, string>;
  key: string; // container name prefix, unique per stack
  dir: string; // the stack's part of the run directory
  logs: Map<string, ContainerLog>;
  stackLog: ContainerLog;
  localImage?: string;
  /** The IdP product's own local build, on a local cell. */
  idpImage?: string;
  photosUrl: string;
  sequential: boolean;
  abort: Abort;
}

/**
 * Cancels a stack's start after a first failure: waiting starts give up at once (their containers are
 * swept), and a start still in flight is swept again when it settles, so nothing it creates late survives.
 */
class Abort {
  cancelled = false;
  private reject!: (err: Error) => void;
  readonly signal = new Promise<never>((_, reject) => (this.reject = reject));
  private readonly inflight = new Set<Promise<unknown>>();
  private idle: (() => void)[] = [];

  constructor(private readonly sweep: () => Promise<unknown>) {
    this.signal.catch(() => undefined);
  }

  cancel(reason: string): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.reject(new Error(`stack start cancelled: ${reason}`));
  }

  /** `start()` raced against cancellation. */
  async run<T>(start: () => Promise<T>): Promise<T> {
    if (this.cancelled) await this.signal;
    const p = start();
    this.inflight.add(p);
    const settled = () => {
      const late = this.cancelled ? this.sweep().catch(() => undefined) : Promise.resolve();
      void late.then(() => {
        this.inflight.delete(p);
        if (this.inflight.size === 0) this.idle.splice(0).forEach((f) => f());
      });
    };
    p.then(settled, settled);
    return Promise.race([p, this.signal]);
  }

  /** Calls `f` once no start is in flight any more. */
  whenIdle(f: () => void): void {
    if (this.inflight.size === 0) f();
    else this.idle.push(f);
  }
}

interface IdpStarted {
  origin: string;
  issuer: string;
  /** 'embedded' or the product id: which page driver completes its pages. */
  driver: string;
  control: IdpControlInfo;
}

interface PhotosUp {
  hostPort: number;
}

/**
 * Clients registered per real IdP at start (a registration is a few lines of configuration): a cell's scenarios
 * claim one per OAuth setup: 22 when every scenario runs on an Authelia cell, 2 of them without the app's redirect
 * URI and 1 public. The 19 others come from 24 plain clients, so new scenarios have 5 to spare.
 */
const CLIENT_POOL_SIZE = 32;
const TWO_FACTOR_CLIENTS = 2;
const WITHOUT_APP_URI_CLIENTS = 4;
const PUBLIC_CLIENTS = 2;

function writePool(file: string, clients: PooledClient[]): void {
  writeFileSync(file, JSON.stringify(clients, null, 2), { mode: 0o600 });
}

const alnum = (n: number) => randomBytes(n * 2).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, n);

/** Network, labels, name and log capture, common to every container of the stack. */
function attach<C extends GenericContainer>(ctx: Context, c: C, name: string, log: ContainerLog, aliases: string[] = []): C {
  ctx.logs.set(name, log);
  c.withNetworkMode(ctx.network).withLabels(ctx.labels).withName(`${ctx.key}-${name}`).withLogConsumer(log.consume);
  if (aliases.length > 0) c.withNetworkAliases(...aliases);
  if (c instanceof HarnessContainer) {
    const wait = abortableWait(c.spec.wait, () => ctx.abort.cancelled);
    if (wait) c.withWaitStrategy(wait);
  }
  return c;
}

/** Starts one container; a failure names it and shows its last log lines. */
async function startNamed<T extends StartedTestContainer>(ctx: Context, name: string, log: ContainerLog, start: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  ctx.stackLog.write(`${name} starting\n`);
  try {
    const started = await ctx.abort.run(start);
    ctx.stackLog.write(`${name} ready in ${Date.now() - t0} ms\n`);
    return started;
  } catch (err) {
    if (ctx.abort.cancelled) throw err;
    const tail = log.tail(20);
    throw new Error(
      `container ${name} (${ctx.cell.id}) did not become ready: ${(err as Error).message}` +
        (tail ? `\nlast log lines of ${name}:\n${tail}` : `\n${name} logged nothing`),
      { cause: err },
    );
  }
}

/** Runs `start` with a free host port, again with another one if the port was taken in between. */
async function withFreePort<T>(ctx: Context, name: string, start: (port: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = await freeLoopbackPort();
    try {
      return await start(port);
    } catch (err) {
      if (!isPortTaken(err) || attempt >= 3) throw err;
      ctx.stackLog.write(`port ${port} was taken before ${name} could publish it; trying another\n`);
      await engineRequest('DELETE', `/containers/${ctx.key}-${name}?force=true`);
    }
  }
}

/** Parallel unless measuring the sequential start; after a first failure the rest is not waited for. */
async function both<A, B>(ctx: Context, a: () => Promise<A>, b: () => Promise<B>): Promise<[A, B]> {
  if (ctx.sequential) return [await a(), await b()];
  const pa = a();
  const pb = b();
  try {
    return await Promise.all([pa, pb]);
  } catch (err) {
    // The other start gives up at once instead of running to its own timeout.
    ctx.abort.cancel((err as Error).message.split('\n')[0]!);
    await Promise.allSettled([pa, pb]);
    throw err;
  }
}

async function startEmbeddedIdpContainer(ctx: Context): Promise<IdpStarted> {
  const { cell } = ctx;
  const product = cell.idp.product;
  return withFreePort(ctx, 'idp', async (port) => {
    const c = new EmbeddedIdpContainer(ctx.localImage!)
      .withProfile(product, cell.idp.version, cell.idp.settings)
      .withPort(port)
      .withTls(ctx.ca.issue([AUTH_HOST]));
    attach(ctx, c, 'idp', c.log, [AUTH_HOST]);
    const s = await startNamed(ctx, 'idp', c.log, () => c.start());
    return { origin: s.origin, issuer: s.issuer, driver: 'embedded', control: { kind: 'http', url: s.controlUrl, token: s.controlToken } };
  });
}

/** A real IdP product, started by its own module with the parts of the stack it needs. */
async function startProduct(ctx: Context, product: IdpProduct): Promise<IdpStarted> {
  const dir = join(ctx.dir, product.id);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const parts: StackParts = {
    cell: ctx.cell,
    ca: ctx.ca,
    dir,
    authHost: AUTH_HOST,
    photosUrl: ctx.photosUrl,
    containerName: (name) => `${ctx.key}-${name}`,
    attach: (c, name, log, aliases) => attach(ctx, c, name, log, aliases),
    startNamed: (name, log, start) => startNamed(ctx, name, log, start),
    withFreePort: (name, start) => withFreePort(ctx, name, start),
    both: (a, b) => both(ctx, a, b),
    writePool,
    secret: alnum,
    pool: { size: CLIENT_POOL_SIZE, twoFactor: TWO_FACTOR_CLIENTS, withoutAppUri: WITHOUT_APP_URI_CLIENTS, public: PUBLIC_CLIENTS },
    ...(ctx.idpImage ? { image: ctx.idpImage } : {}),
  };
  const up = await product.start(parts);
  return { origin: up.origin, issuer: up.issuer, driver: product.id, control: { kind: product.id, ...up.control } };
}

async function startImmich(ctx: Context): Promise<PhotosUp> {
  const { cell } = ctx;
  const facts = immichFacts(cell.immich);
  const db = { host: 'immich-db', user: 'postgres', password: alnum(32), database: 'immich' };
  const pg = new PostgresContainer({ flavour: facts.postgres, user: db.user, password: db.password, database: db.database, networkAlias: db.host });
  const redis = new RedisContainer({ image: facts.redisImage, networkAlias: 'immich-redis' });
  const pgLog = new ContainerLog('immich-postgres');
  const redisLog = new ContainerLog('immich-redis');
  attach(ctx, pg, 'immich-postgres', pgLog);
  attach(ctx, redis, 'immich-redis', redisLog);
  await both(
    ctx,
    () => startNamed(ctx, 'immich-postgres', pgLog, () => pg.start()),
    () => startNamed(ctx, 'immich-redis', redisLog, () => redis.start()),
  );
  const immich = new ImmichContainer({ version: cell.immich, db, redisHost: 'immich-redis', caPem: ctx.ca.certPem, networkAliases: [PHOTOS_HOST] });
  const log = new ContainerLog('photos');
  attach(ctx, immich, 'photos', log);
  const started = await startNamed(ctx, 'photos', log, () => immich.start());
  return { hostPort: started.getMappedPort(immich.facts.port) };
}

async function startReference(ctx: Context): Promise<PhotosUp> {
  const c = new ReferencePhotosContainer(ctx.localImage!).withModelVersion(ctx.cell.immich).withCa(ctx.ca.certPem);
  attach(ctx, c, 'photos', c.log, [PHOTOS_HOST]);
  const started = await startNamed(ctx, 'photos', c.log, () => c.start());
  return { hostPort: started.hostPort };
}

/** The IdP's discovery document fetched from the host by its public URL with the run CA: the same-port check. */
async function checkDiscovery(idp: IdpStarted, caPem: string): Promise<void> {
  const url = `${idp.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const dispatcher = caAgent(caPem);
  try {
    const { fetch } = await import('undici');
    const res = await fetch(url, { dispatcher });
    const doc = (await res.json()) as { issuer?: string };
    if (res.status !== 200 || doc.issuer !== idp.issuer) {
      throw new Error(`answered ${res.status} with issuer ${JSON.stringify(doc.issuer)} (expected ${idp.issuer})`);
    }
  } catch (err) {
    throw new Error(`the IdP's discovery document ${url} is not reachable from the host: ${(err as Error).message}`);
  } finally {
    await dispatcher.close();
  }
}

const safeName = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '-');

export async function startDockerStack(cell: Cell, ca: Ca, scenarios: string[], runDir: string, opts: DockerStackOptions = {}): Promise<Stack> {
  const started = Date.now();
  const available = await dockerAvailable();
  if (!available.ok) throw new Error(`Docker is not available: ${available.reason}`);
  const impl = implementationFor(cell);
  const images = await requireImages(upstreamImagesFor(cell));
  const localImage = impl.photos === 'reference' || impl.idp === 'embedded' ? (await ensureLocalImage()).name : undefined;
  if (localImage) images.push({ name: localImage });
  // A real IdP on a local cell runs its own local build (products/<id>/ localImage).
  const idpBuild = impl.idp !== 'embedded' && cell.images === 'local' ? await idpProduct(impl.idp).localImage!(cell.idp.version) : undefined;
  if (idpBuild) images.push(...(await requireImages([idpBuild.name])));
  const imagesMs = Date.now() - started;

  const runId = basename(runDir);
  const key = safeName(`${runId}-${cell.id}`);
  const labels = { [RUN_LABEL]: runId, [STACK_LABEL]: key };
  const cancelExitSweep = sweepOnExit(STACK_LABEL, key);
  const logs = new Map<string, ContainerLog>();
  const stackLog = new ContainerLog('stack');
  stackLog.write(`images ready in ${imagesMs} ms${localImage ? ` (${localImage})` : ''}\n`);
  const closers: (() => Promise<void>)[] = [];
  const abort = new Abort(() => sweepLabelled(labels));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    abort.cancel('stopped');
    await Promise.allSettled(closers.map((c) => c()));
    await sweepLabelled(labels);
    // A start still in flight sweeps again when it settles; until then the exit-time sweep stays armed.
    abort.whenIdle(cancelExitSweep);
  };

  try {
    const network = await createNetwork(key, labels);
    const front = await startTlsFront({
      host: PHOTOS_HOST,
      tls: ca.issue([PHOTOS_HOST]),
      onError: (m) => stackLog.write(`${m}\n`),
    });
    closers.push(() => front.close());
    const dir = join(runDir, 'stacks', safeName(cell.id));
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const ctx: Context = { cell, ca, network, labels, key, dir, logs, stackLog, localImage, idpImage: idpBuild?.name, photosUrl: front.url, sequential: opts.sequential ?? false, abort };

    const startIdp = impl.idp === 'embedded' ? startEmbeddedIdpContainer : (c: Context) => startProduct(c, idpProduct(impl.idp));
    const startPhotos = impl.photos === 'reference' ? startReference : startImmich;
    const [idp, photos] = await both(ctx, () => startIdp(ctx), () => startPhotos(ctx));
    front.setTarget({ host: '127.0.0.1', port: photos.hostPort });
    await checkDiscovery(idp, ca.certPem);

    const agent = caAgent(ca.certPem);
    closers.push(() => agent.close());
    const api = new ImmichApi(front.url, cell.immich, agent);
    const admin = { email: 'admin@example.test', password: alnum(24), name: 'Admin' };
    await api.adminSignUp(admin);
    const token = await api.login(admin.email, admin.password);
    const readyMs = Date.now() - started;
    stackLog.write(`stack ready in ${readyMs} ms (${ctx.sequential ? 'sequential' : 'parallel'} start)\n`);

    return {
      info: {
        cell,
        provenance: dockerProvenance(cell, localImage, images, idpBuild),
        readyMs,
        scenarios,
        // Every image the verdicts came from, with its digest where the engine knows one (the report lists them).
        images,
        caPem: ca.certPem,
        photos: { url: front.url, version: cell.immich, admin: { email: admin.email, password: admin.password, token } },
        idp: { origin: idp.origin, driver: idp.driver, version: cell.idp.version, control: idp.control },
      },
      logs: () => ({ ...Object.fromEntries([...logs].map(([name, log]) => [name, log.text()])), stack: stackLog.text() }),
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
