// docker exec through the Engine API, as used to run Authelia's CLI (TOTP secrets) inside its container.
import { GenericContainer, type StartedTestContainer } from 'testcontainers';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureLocalImage } from '../../containers/local-image.js';
import { dockerAvailable, RUN_LABEL } from './engine.js';
import { containerExec } from './exec.js';

// Ryuk (testcontainers' reaper) cannot be pulled here; the container is removed by the test itself.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
const engine = await dockerAvailable();
if (!engine.ok && !process.env.CI) process.stderr.write(`docker exec tests skipped: ${engine.reason}\n`);

let container: StartedTestContainer | undefined;
afterAll(async () => {
  await container?.stop({ remove: true });
});

describe.runIf(engine.ok || process.env.CI)('containerExec', () => {
  it('runs a command in a running container and returns its exit code, stdout and stderr', async () => {
    if (!engine.ok) throw new Error(`CI needs a Docker engine: ${engine.reason}`);
    const image = await ensureLocalImage();
    container = await new GenericContainer(image.name)
      .withLabels({ [RUN_LABEL]: 'exec-test' })
      .withCommand(['-e', 'setInterval(() => {}, 1e6)']) // the image's entrypoint is node
      .start();
    const r = await containerExec(container.getId(), [
      '/usr/local/bin/node',
      '-e',
      'process.stdout.write("out ".repeat(100)); process.stderr.write("err"); process.exit(3)',
    ]);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toBe('out '.repeat(100));
    expect(r.stderr).toBe('err');
  });

  it('names the container when the engine refuses the exec', async () => {
    if (!engine.ok) throw new Error(`CI needs a Docker engine: ${engine.reason}`);
    await expect(containerExec('idp-harness-no-such-container', ['true'])).rejects.toThrow(/idp-harness-no-such-container/);
  });
});
