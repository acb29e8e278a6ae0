// What the harness knows about one identity provider, behind one small interface. Each product lives in a
// folder of its own (products/<id>/index.ts exports `idp`); products/index.ts finds the folders, so adding
// an IdP is adding its folder plus its lines in fixtures/.
import type { GenericContainer, StartedTestContainer } from 'testcontainers';
import type { Ca } from '../harness/ca/ca.js';
import type { ContainerLog } from '../harness/docker/logs.js';
import type { IdpPageDriver } from '../harness/drivers/types.js';
import type { PooledClient } from '../harness/idp/client-pool.js';
import type { IdpControl } from '../harness/idp/control.js';
import type { Cell, IdpSettings } from '../harness/model.js';

/** How one IdP setting (a variant's knob in fixtures/matrix.yaml) applies to a product. */
export interface SettingSupport {
  /** Product versions that have the setting at all (semver range). */
  versions?: string;
  /** The product always has some value for it, so every variant must state it. */
  required?: boolean;
}

/** What a product's control needs to reach a running IdP (serialisable: it crosses into test workers). */
export interface ControlContext {
  origin: string;
  version: string;
  caPem: string;
}

/**
 * What the docker stack lends a product while it starts: its network, names, logs and secrets. A product's
 * containers go through `attach` and `startNamed`, so cleanup, cancellation and logs work the same for all.
 */
export interface StackParts {
  cell: Cell;
  ca: Ca;
  /** The product's own directory of the run (mode 0700): files it bind-mounts, its client pool. */
  dir: string;
  /** https://auth.harness.test — the IdP listens on the published port inside its container too. */
  authHost: string;
  /** The photo server as the browser and the IdP see it (redirect URIs start here). */
  photosUrl: string;
  /** Name of the stack's container `name` (for docker exec). */
  containerName(name: string): string;
  attach<C extends GenericContainer>(c: C, name: string, log: ContainerLog, aliases?: string[]): C;
  startNamed<T extends StartedTestContainer>(name: string, log: ContainerLog, start: () => Promise<T>): Promise<T>;
  /** Runs `start` with a free host port, again with another if the port was taken meanwhile. */
  withFreePort<T>(name: string, start: (port: number) => Promise<T>): Promise<T>;
  /** Both at once (unless the stack measures a sequential start); after a first failure the other is cancelled. */
  both<A, B>(a: () => Promise<A>, b: () => Promise<B>): Promise<[A, B]>;
  /** Writes the pool of pre-registered clients scenarios claim one by one. */
  writePool(file: string, clients: PooledClient[]): void;
  /** A random alphanumeric secret of n characters. */
  secret(n: number): string;
  /** The image to run instead of the product's official one: its local build under `--images local`. */
  image?: string;
  /**
   * Clients to register at start, how many of the last ones ask for a second factor, and how many of the first
   * ones leave out the app's redirect URI (webRedirectUris); `public` of those before the second-factor ones have
   * no secret (where the product's control registers public clients).
   */
  pool: { size: number; twoFactor: number; withoutAppUri: number; public: number };
}

/** A started IdP: the URLs and the serialisable control description its scenarios use. */
export interface IdpUp {
  origin: string;
  issuer: string;
  control: Record<string, unknown>;
}

export interface IdpProduct {
  /** The key in fixtures/matrix.yaml and in cell ids: "authelia". */
  id: string;
  /** For people: "Authelia". */
  title: string;
  /** Tested versions; the matrix refuses others ("no container definition"). */
  versions: readonly string[];
  /** Which IdP settings the product has, and from which version. */
  settings: Partial<Record<keyof IdpSettings, SettingSupport>>;
  /** Every image one version needs, in start order (after IDP_HARNESS_IMAGE_MAP). */
  images(version: string): string[];
  /** The image the verdicts are about (the report names it with its digest). */
  mainImage(version: string): string;
  /** Starts the IdP's containers on the stack's network. */
  start(parts: StackParts): Promise<IdpUp>;
  /** Users and clients, from the control description `start` returned. */
  control(info: Record<string, unknown>, ctx: ControlContext): IdpControl;
  /** Completes the IdP's own pages in the browser. */
  driver(version: string): IdpPageDriver;
  /**
   * Builds (or finds, by content) a local image of the real product from registry packages, so that
   * `--images local` runs the product itself rather than an embedded model of it. Products without one are
   * modelled by the embedded provider under `--images local`.
   */
  localImage?(version: string): Promise<LocalProductImage>;
}

export interface LocalProductImage {
  /** The image to run, e.g. idp-harness-local/keycloak:26.7.3-<content hash>. */
  name: string;
  /** What it was built from, for the report: distribution, its digest, the runtime. */
  origin: string;
}
