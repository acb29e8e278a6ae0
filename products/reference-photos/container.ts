// The reference model of Immich's OAuth contract (harness/embedded/photos/main.ts) as a container of the
// local image. Like the real server it speaks plain http on the port that Immich version uses, trusts the
// run CA only through NODE_EXTRA_CA_CERTS, and is served to the browser by the harness's TLS front.
import { AbstractStartedContainer, GenericContainer, type StartedTestContainer } from 'testcontainers';
import { ContainerLog } from '../../harness/docker/logs.js';
import { httpReady } from '../../harness/docker/wait.js';
import { immichFacts } from '../immich/facts.js';
import { IMAGE_APP_DIR } from '../../containers/local-image.js';

export const REFERENCE_PHOTOS_PATHS = {
  main: `${IMAGE_APP_DIR}/harness/embedded/photos/main.ts`,
  ca: '/harness/ca.pem',
} as const;

/**
 * new ReferencePhotosContainer(localImage.name).withModelVersion('v3.1.0').withCa(ca.certPem).start()
 * then getHttpUrl() is the plain-http URL on the host for the TLS front.
 */
export class ReferencePhotosContainer extends GenericContainer {
  private version?: string;
  private caPem?: string;
  private publicHost = 'photos.harness.test';
  readonly log: ContainerLog;

  constructor(image: string, name = 'photos') {
    super(image);
    this.log = new ContainerLog(name);
    this.withLogConsumer(this.log.consume).withStartupTimeout(60_000);
  }

  withModelVersion(version: string): this {
    this.version = version;
    return this;
  }
  /** Root CA PEM trusted through NODE_EXTRA_CA_CERTS. Without it the server trusts Node's defaults only. */
  withCa(caPem: string | undefined): this {
    this.caPem = caPem;
    return this;
  }
  withPublicHost(host: string): this {
    this.publicHost = host;
    return this;
  }

  override async start(): Promise<StartedReferencePhotosContainer> {
    if (!this.version) throw new Error('ReferencePhotosContainer: call withModelVersion(<Immich version>) first');
    // The port real Immich of that version listens on (3001 before 1.118, then 2283).
    const port = immichFacts(this.version).port;
    const env: Record<string, string> = {
      IMMICH_MODEL_VERSION: this.version,
      HOST: '0.0.0.0',
      PORT: String(port),
      PUBLIC_HOST: this.publicHost,
    };
    if (this.caPem !== undefined) {
      env.NODE_EXTRA_CA_CERTS = REFERENCE_PHOTOS_PATHS.ca;
      this.withCopyContentToContainer([{ content: this.caPem, target: REFERENCE_PHOTOS_PATHS.ca, mode: 0o644 }]);
    }
    this.withEnvironment(env)
      .withCommand(['--import', 'tsx', REFERENCE_PHOTOS_PATHS.main])
      .withExposedPorts(port)
      .withWaitStrategy(httpReady('/api/server/ping', port));
    this.hostConfig.PortBindings = { [`${port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '0' }] };
    const started = await super.start();
    return new StartedReferencePhotosContainer(started, port, this.version, this.log);
  }
}

export class StartedReferencePhotosContainer extends AbstractStartedContainer {
  constructor(
    started: StartedTestContainer,
    readonly containerPort: number,
    readonly version: string,
    readonly log: ContainerLog,
  ) {
    super(started);
  }
  /** The published plain-http port on 127.0.0.1. */
  get hostPort(): number {
    return this.getMappedPort(this.containerPort);
  }
  getHttpUrl(): string {
    return `http://127.0.0.1:${this.hostPort}`;
  }
}
