// Runs the reference photo server as a process (the docker backend's container entry point).
// Env: IMMICH_MODEL_VERSION (required), PORT (default 2283), HOST (listen address, default 127.0.0.1;
// 0.0.0.0 in a container), PUBLIC_HOST (name in the URL, default photos.harness.test),
// TLS_CERT_PATH + TLS_KEY_PATH (optional: https), OUTGOING_CA_PATH (optional extra CA for the IdP;
// NODE_EXTRA_CA_CERTS works as for Immich). Prints one JSON ready line on stdout; logs go to stderr.
import { readFileSync } from 'node:fs';
import { startReferencePhotos } from './index.js';

function env(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : value;
}

async function main() {
  const version = env('IMMICH_MODEL_VERSION');
  if (!version) throw new Error('IMMICH_MODEL_VERSION is not set (e.g. v3.1.0)');
  const certPath = env('TLS_CERT_PATH');
  const keyPath = env('TLS_KEY_PATH');
  if (Boolean(certPath) !== Boolean(keyPath)) throw new Error('set both TLS_CERT_PATH and TLS_KEY_PATH, or neither');
  const caPath = env('OUTGOING_CA_PATH');
  const photos = await startReferencePhotos({
    version,
    host: env('PUBLIC_HOST'),
    listen: { host: env('HOST') ?? '127.0.0.1', port: Number(env('PORT') ?? 2283) },
    tls: certPath && keyPath ? { certPem: readFileSync(certPath, 'utf8'), keyPem: readFileSync(keyPath, 'utf8') } : undefined,
    ca: caPath ? readFileSync(caPath, 'utf8') : undefined,
    echo: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify({ ready: true, name: photos.name, url: photos.url, port: photos.port })}\n`);
  const stop = (signal: string) => {
    process.stderr.write(`${photos.name}: ${signal}, closing\n`);
    photos.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error) => {
  process.stderr.write(`reference photo server failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
