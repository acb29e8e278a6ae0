// What a container definition renders: plain data, so unit tests can check it without Docker.
// HarnessContainer turns a spec into testcontainers calls; nothing else in containers/ talks to testcontainers.
import { GenericContainer, Wait, type WaitStrategy } from 'testcontainers';
import { mapImage } from './image-map.js';

export interface FileSpec {
  target: string; // absolute path inside the container
  content: string;
  mode?: number;
}

export type WaitSpec =
  | { kind: 'http'; path: string; port: number; tls: boolean; status: number }
  | { kind: 'log'; pattern: RegExp; times: number }
  /** A shell command run inside the container until it exits 0. */
  | { kind: 'command'; command: string };

export interface PortSpec {
  container: number;
  /** Fixed host port (same-port topology); absent = random host port. */
  host?: number;
}

export interface ContainerSpec {
  image: string;
  env: Record<string, string>;
  files: FileSpec[];
  command?: string[];
  ports: PortSpec[];
  networkAliases: string[];
  wait: WaitSpec;
  startupTimeoutMs: number;
  tmpfs?: Record<string, string>;
  shmSizeBytes?: number;
}

export function waitStrategyFor(wait: WaitSpec): WaitStrategy {
  if (wait.kind === 'log') return Wait.forLogMessage(wait.pattern, wait.times);
  if (wait.kind === 'command') return Wait.forSuccessfulCommand(wait.command);
  const http = Wait.forHttp(wait.path, wait.port).forStatusCode(wait.status);
  // Readiness only: the harness checks the certificate chain itself with its own CA agent.
  return wait.tls ? http.usingTls().allowInsecure() : http;
}

/** A GenericContainer configured from a spec. Published ports bind to 127.0.0.1 only. */
export class HarnessContainer extends GenericContainer {
  constructor(readonly spec: ContainerSpec) {
    super(mapImage(spec.image));
    this.withEnvironment(spec.env)
      .withWaitStrategy(waitStrategyFor(spec.wait))
      .withStartupTimeout(spec.startupTimeoutMs);
    if (spec.command) this.withCommand(spec.command);
    if (spec.files.length > 0) this.withCopyContentToContainer(spec.files);
    if (spec.networkAliases.length > 0) this.withNetworkAliases(...spec.networkAliases);
    if (spec.tmpfs) this.withTmpFs(spec.tmpfs);
    if (spec.shmSizeBytes) this.withSharedMemorySize(spec.shmSizeBytes);
    for (const port of spec.ports) {
      this.withExposedPorts(port.host === undefined ? port.container : { container: port.container, host: port.host });
      // testcontainers publishes on every interface; the harness keeps its servers on loopback.
      const key = `${port.container}/tcp`;
      this.hostConfig.PortBindings = {
        ...this.hostConfig.PortBindings,
        [key]: [{ HostIp: '127.0.0.1', HostPort: String(port.host ?? 0) }],
      };
    }
  }

  /** The docker create options as they will be sent (for tests and logs). */
  renderedCreateOptions(): { env: string[]; cmd?: string[]; portBindings: unknown; image: string } {
    return {
      image: this.imageName.string,
      env: Object.entries(this.environment).map(([k, v]) => `${k}=${v}`),
      cmd: this.createOpts.Cmd as string[] | undefined,
      portBindings: this.hostConfig.PortBindings,
    };
  }
}
