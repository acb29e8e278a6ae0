// The embedded OpenID provider (harness/embedded/idp/main.ts) as a container of the local image.
// Same-port topology: it listens inside on the port published on the host, so its issuer
// https://auth.harness.test:<port> is one URL for containers (network alias) and the host (127.0.0.1).
import { randomBytes } from 'node:crypto';
import { AbstractStartedContainer, GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { ContainerLog } from '../../harness/docker/logs.js';
import type { IdpSettings } from '../../harness/model.js';
import { IMAGE_APP_DIR } from '../../containers/local-image.js';

export const EMBEDDED_IDP_PATHS = {
  main: `${IMAGE_APP_DIR}/harness/embedded/idp/main.ts`,
  tlsCert: '/harness/idp/cert.pem',
  tlsKey: '/harness/idp/key.pem',
  controlToken: '/harness/idp/control-token',
} as const;
/** The control API's port inside the container (published on a random loopback port). */
export const EMBEDDED_IDP_CONTROL_PORT = 9090;

export type EmbeddedIdpProduct = string;

/** What main.ts prints once it listens. */
export interface EmbeddedIdpReady {
  ready: true;
  profile: string;
  issuer: string;
  origin: string;
  port: number;
  controlPort: number;
}

/**
 * new EmbeddedIdpContainer(localImage.name).withProfile('authentik', '2025.10.4', {}).withPort(p)
 *   .withTls(ca.issue(['auth.harness.test'])).start()
 */
export class EmbeddedIdpContainer extends GenericContainer {
  private profile: { product: EmbeddedIdpProduct; version: string; settings: IdpSettings } = {
    product: 'oidc-provider',
    version: 'plain',
    settings: {},
  };
  private host = 'auth.harness.test';
  private port?: number;
  private tls?: { certPem: string; keyPem: string };
  private controlToken = randomBytes(24).toString('base64url');
  private slug?: string;
  readonly log = new ContainerLog('idp');

  constructor(image: string) {
    super(image);
    this.withLogConsumer(this.log.consume).withStartupTimeout(60_000);
  }

  withProfile(product: EmbeddedIdpProduct, version: string, settings: IdpSettings): this {
    this.profile = { product, version, settings };
    return this;
  }
  withHost(host: string): this {
    this.host = host;
    return this;
  }
  /** Listen port inside = published host port (on 127.0.0.1). */
  withPort(port: number): this {
    this.port = port;
    return this;
  }
  withTls(leaf: { certPem: string; keyPem: string }): this {
    this.tls = leaf;
    return this;
  }
  withControlToken(token: string): this {
    this.controlToken = token;
    return this;
  }
  /** authentik profile: the application slug in the issuer path (default immich). */
  withSlug(slug: string): this {
    this.slug = slug;
    return this;
  }

  override async start(): Promise<StartedEmbeddedIdpContainer> {
    if (this.port === undefined) throw new Error('EmbeddedIdpContainer: call withPort(<free host port>) first');
    const env: Record<string, string> = {
      IDP_PRODUCT: this.profile.product,
      IDP_VERSION: this.profile.version,
      IDP_SETTINGS: JSON.stringify(this.profile.settings),
      HOST: this.host,
      LISTEN_HOST: '0.0.0.0',
      PORT: String(this.port),
      PUBLIC_PORT: String(this.port),
      CONTROL_PORT: String(EMBEDDED_IDP_CONTROL_PORT),
      CONTROL_TOKEN_FILE: EMBEDDED_IDP_PATHS.controlToken,
    };
    if (this.slug) env.IDP_SLUG = this.slug;
    // 0644: the process runs unprivileged and the copied files belong to root; nothing else runs in the container.
    const files: { content: string; target: string; mode: number }[] = [
      { content: this.controlToken, target: EMBEDDED_IDP_PATHS.controlToken, mode: 0o644 },
    ];
    if (this.tls) {
      env.TLS_CERT_FILE = EMBEDDED_IDP_PATHS.tlsCert;
      env.TLS_KEY_FILE = EMBEDDED_IDP_PATHS.tlsKey;
      files.push(
        { content: this.tls.certPem, target: EMBEDDED_IDP_PATHS.tlsCert, mode: 0o644 },
        { content: this.tls.keyPem, target: EMBEDDED_IDP_PATHS.tlsKey, mode: 0o644 },
      );
    }
    this.withEnvironment(env)
      .withCommand(['--import', 'tsx', EMBEDDED_IDP_PATHS.main])
      .withCopyContentToContainer(files)
      .withExposedPorts({ container: this.port, host: this.port }, EMBEDDED_IDP_CONTROL_PORT)
      .withWaitStrategy(Wait.forLogMessage(/^\{"ready":true/));
    // Published on loopback only (testcontainers binds every interface).
    this.hostConfig.PortBindings = {
      [`${this.port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(this.port) }],
      [`${EMBEDDED_IDP_CONTROL_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '0' }],
    };
    const started = await super.start();
    // Our own log stream may trail the one the wait strategy read: wait for the line there too.
    const ready = JSON.parse(await this.log.waitFor(/^\{"ready":true/, 10_000)) as EmbeddedIdpReady;
    return new StartedEmbeddedIdpContainer(started, ready, this.controlToken, this.log);
  }
}

export class StartedEmbeddedIdpContainer extends AbstractStartedContainer {
  constructor(
    started: StartedTestContainer,
    readonly ready: EmbeddedIdpReady,
    readonly controlToken: string,
    readonly log: ContainerLog,
  ) {
    super(started);
  }
  get origin(): string {
    return this.ready.origin;
  }
  get issuer(): string {
    return this.ready.issuer;
  }
  /** The control API from the host. */
  get controlUrl(): string {
    return `http://127.0.0.1:${this.getMappedPort(EMBEDDED_IDP_CONTROL_PORT)}`;
  }
}
