// The embedded backend: the oidc-provider model of the cell's IdP and the reference model of the cell's
// Immich version, in this process, over TLS from the run CA. No Docker needed.
import { randomBytes } from 'node:crypto';
import type { Ca } from '../ca/ca.js';
import { caAgent } from '../ca/dispatcher.js';
import { startEmbeddedIdp } from '../embedded/idp/index.js';
import { startReferencePhotos } from '../embedded/photos/index.js';
import { ImmichApi } from '../../products/immich/api.js';
import type { Cell, CellProvenance } from '../model.js';
import type { Stack } from './types.js';

export function embeddedProvenance(cell: Cell): CellProvenance {
  const idpName = cell.idp.product === 'oidc-provider' ? 'plain' : `${cell.idp.product} ${cell.idp.version}`;
  return {
    photos: `reference model of Immich ${cell.immich}`,
    idp: `embedded oidc-provider, ${idpName} profile`,
  };
}

export async function startEmbeddedStack(cell: Cell, ca: Ca, scenarios: string[]): Promise<Stack> {
  const started = Date.now();
  const closers: (() => Promise<void>)[] = [];
  const stop = async () => {
    await Promise.allSettled(closers.reverse().map((c) => c()));
  };
  try {
    const idp = await startEmbeddedIdp({
      product: cell.idp.product,
      version: cell.idp.version,
      settings: cell.idp.settings,
      tls: ca.issue(['auth.harness.test']),
    });
    closers.push(() => idp.close());
    const photos = await startReferencePhotos({
      version: cell.immich,
      tls: ca.issue(['photos.harness.test']),
      ca: ca.certPem,
      // In one process there is no Docker DNS: the model resolves the IdP's name as the containers would.
      resolve: { 'auth.harness.test': '127.0.0.1' },
    });
    closers.push(() => photos.close());

    const api = new ImmichApi(photos.url, cell.immich, caAgent(ca.certPem));
    const admin = { email: 'admin@example.test', password: randomBytes(12).toString('base64url'), name: 'Admin' };
    await api.adminSignUp(admin);
    const token = await api.login(admin.email, admin.password);

    return {
      info: {
        cell,
        provenance: embeddedProvenance(cell),
        readyMs: Date.now() - started,
        scenarios,
        caPem: ca.certPem,
        photos: { url: photos.url, version: cell.immich, admin: { email: admin.email, password: admin.password, token } },
        idp: {
          origin: idp.origin,
          driver: 'embedded',
          version: cell.idp.version,
          control: { kind: 'http', url: idp.controlUrl, token: idp.controlToken },
        },
      },
      logs: () => ({ idp: idp.logs(), photos: photos.logs() }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
