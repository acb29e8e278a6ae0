// `serve idp` / `serve photos`: one embedded server alone, for looking at by hand, until Ctrl-C.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCa } from '../ca/ca.js';
import { startEmbeddedIdp } from '../embedded/idp/index.js';
import { startReferencePhotos } from '../embedded/photos/index.js';
import type { IdpProduct } from '../model.js';
import { Cleanup, cleanupOnSignals, makeRunDir, removeDir } from '../run-dir.js';
import { createServer } from 'node:net';
import { MODELLED_VERSIONS } from '../embedded/photos/versions.js';
import { InputError, parseCommand, UsageError } from './args.js';

const DEFAULT_VERSIONS: Partial<Record<IdpProduct, string>> = { authelia: '4.39.0', authentik: '2025.10.4', keycloak: '26.7.3' };

export async function serveCommand(args: string[]): Promise<number> {
  const { values, flag, positionals } = parseCommand('serve', args);
  const what = positionals[0];
  if (what !== 'idp' && what !== 'photos') throw new UsageError('serve what? use "serve idp" or "serve photos --version vX.Y.Z"');

  // Everything the caller can get wrong is checked before a directory or a server exists.
  const port = values.port ? Number(values.port) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port "${values.port}": use a TCP port number`);
  if (port) await assertPortFree(port);
  if (what === 'photos') {
    if (!values.version) throw new UsageError('serve photos needs --version, e.g. --version v3.1.0');
    assertModelledVersion(values.version as string);
  }
  const cleanup = new Cleanup();
  const runDir = makeRunDir('idp-harness-serve-');
  cleanup.add('run directory', () => removeDir(runDir));
  cleanupOnSignals(cleanup, () => process.stdout.write('\nstopping…\n'));
  const ca = createCa(join(runDir, 'ca'));

  try {
    if (what === 'idp') {
      const product = ((values.idp as string | undefined) ?? 'authentik') as IdpProduct;
      if (!(product in DEFAULT_VERSIONS)) throw new UsageError(`--idp "${product}": use one of ${Object.keys(DEFAULT_VERSIONS).join(", ")}`);
      const version = (values.version as string | undefined) ?? DEFAULT_VERSIONS[product]!;
      const idp = await startEmbeddedIdp({
        product,
        version,
        settings: {
          signingKey: !flag('no-signing-key'),
          encryptionKey: flag('encryption-key'),
          ...(values['auth-method'] ? { tokenEndpointAuthMethod: values['auth-method'] as 'client_secret_post' } : {}),
        },
        tls: ca.issue(['auth.harness.test']),
        listen: { port },
      });
      cleanup.add('idp', () => idp.close());
      const user = await idp.control.createUser({ username: 'demo', name: 'Demo User', email: 'demo@example.test' });
      const credentials = join(runDir, 'demo-user.txt');
      writeFileSync(credentials, `username: ${user.username}\npassword: ${user.password}\n`, { mode: 0o600 });
      print([
        `embedded ${product} ${version} profile (a model, not ${product} itself)`,
        `issuer:        ${idp.issuer}`,
        `control API:   ${idp.controlUrl} (Bearer token in ${writeSecret(runDir, 'control-token.txt', idp.controlToken)})`,
        `demo user:     credentials in ${credentials}`,
        `CA:            ${ca.certPath}`,
        `browser:       chromium '--host-resolver-rules=MAP *.harness.test 127.0.0.1' --ignore-certificate-errors-spki-list=${ca.spkiHashes().join(',')} --user-data-dir=$(mktemp -d)`,
      ]);
    } else {
      const version = values.version as string | undefined;
      if (!version) throw new UsageError('serve photos needs --version, e.g. --version v3.1.0');
      const photos = await startReferencePhotos({ version, tls: ca.issue(['photos.harness.test']), ca: ca.certPem, listen: { port } });
      cleanup.add('photos', () => photos.close());
      print([
        `reference model of Immich ${version} (not Immich itself)`,
        `url:           ${photos.url}`,
        `CA:            ${ca.certPath}`,
        `admin sign-up: POST ${photos.url}/api/auth/admin-sign-up`,
      ]);
    }
    process.stdout.write('running; press Ctrl-C to stop and remove everything\n');
    await new Promise(() => {}); // until a signal; cleanupOnSignals exits
    return 0;
  } catch (err) {
    await cleanup.run();
    throw err;
  }
}

function assertModelledVersion(version: string): void {
  if (!(MODELLED_VERSIONS as readonly string[]).includes(version)) {
    throw new InputError(`--version "${version}": the reference model covers Immich ${MODELLED_VERSIONS.join(', ')}; choose one of them`);
  }
}

async function assertPortFree(port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new InputError(`--port ${port}: ${err.code === 'EADDRINUSE' ? 'already in use on 127.0.0.1' : err.message}; choose another port or leave --port out for a free one`)),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

function writeSecret(dir: string, name: string, value: string): string {
  const path = join(dir, name);
  writeFileSync(path, `${value}\n`, { mode: 0o600 });
  return path;
}

function print(lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

