// The embedded provider as a process (the docker backend runs it in a container). Configured from env:
//   IDP_PRODUCT, IDP_VERSION, IDP_SETTINGS (JSON IdpSettings), IDP_SLUG, IDP_CUSTOM_CLAIMS (comma list),
//   HOST (host name in URLs), LISTEN_HOST (default 127.0.0.1; 0.0.0.0 in a container), PORT, PUBLIC_PORT,
//   TLS_CERT_FILE + TLS_KEY_FILE (https when set), CONTROL_PORT, CONTROL_TOKEN_FILE (read; written 0600 if absent).
// Prints one JSON line {"ready":true,...} once listening; closes on SIGTERM/SIGINT.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { IdpSettings } from '../../model.js';
import { startEmbeddedIdp } from './index.js';
import type { EmbeddedProduct } from './profiles.js';

function env(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') throw new Error(`${name} is not set: see the header of harness/embedded/idp/main.ts`);
  return value;
}

function port(name: string, fallback?: string): number | undefined {
  const raw = process.env[name] ?? fallback;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name}="${raw}" is not a port number`);
  return n;
}

function controlToken(): string {
  const file = env('CONTROL_TOKEN_FILE');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, token, { mode: 0o600 });
  return token;
}

async function main(): Promise<void> {
  let settings: IdpSettings;
  try {
    settings = JSON.parse(process.env['IDP_SETTINGS'] || '{}') as IdpSettings;
  } catch {
    throw new Error('IDP_SETTINGS is not JSON: give an IdpSettings object, e.g. {"signingKey":false}');
  }
  const certFile = process.env['TLS_CERT_FILE'];
  const keyFile = process.env['TLS_KEY_FILE'];
  if (Boolean(certFile) !== Boolean(keyFile)) throw new Error('set both TLS_CERT_FILE and TLS_KEY_FILE, or neither');
  const token = controlToken();
  const idp = await startEmbeddedIdp({
    product: env('IDP_PRODUCT') as EmbeddedProduct,
    version: env('IDP_VERSION', 'plain'),
    settings,
    host: process.env['HOST'] || undefined,
    tls: certFile && keyFile ? { certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') } : undefined,
    listen: { host: process.env['LISTEN_HOST'] || '127.0.0.1', port: port('PORT', '0') },
    publicPort: port('PUBLIC_PORT'),
    slug: process.env['IDP_SLUG'] || undefined,
    customClaims: process.env['IDP_CUSTOM_CLAIMS']?.split(',').map((s) => s.trim()).filter(Boolean),
    control: { port: port('CONTROL_PORT', '0'), token },
  });
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    idp.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const controlPort = Number(new URL(idp.controlUrl).port);
  // The token is not printed: the caller reads it from CONTROL_TOKEN_FILE.
  process.stdout.write(
    `${JSON.stringify({ ready: true, profile: idp.profile.name, issuer: idp.issuer, origin: idp.origin, port: idp.port, controlPort, capabilities: idp.control.capabilities })}\n`,
  );
}

main().catch((err: Error) => {
  process.stderr.write(`embedded IdP failed to start: ${err.message}\n`);
  process.exit(1);
});
