// Keycloak on the stack's network, then the realm Immich logs in through, made with the admin REST API before
// the stack reports ready (the discovery check reads the realm's issuer).
import { caAgent } from '../../harness/ca/dispatcher.js';
import { ContainerLog } from '../../harness/docker/logs.js';
import { HarnessContainer } from '../../containers/spec.js';
import type { IdpUp, StackParts } from '../types.js';
import { KeycloakAdmin } from './admin.js';
import type { KeycloakControlInfo } from './control.js';
import { KEYCLOAK_REALM, renderKeycloak } from './facts.js';

export async function startKeycloak(parts: StackParts): Promise<IdpUp> {
  const { cell } = parts;
  const admin = { username: 'harness-admin', password: parts.secret(32) };
  return parts.withFreePort('idp', async (port) => {
    const spec = renderKeycloak({ version: cell.idp.version, port, tls: parts.ca.issue([parts.authHost]), admin, image: parts.image });
    const c = new HarnessContainer(spec);
    const log = new ContainerLog('idp');
    parts.attach(c, 'idp', log);
    await parts.startNamed('idp', log, () => c.start());
    const origin = `https://${parts.authHost}:${port}`;
    const dispatcher = caAgent(parts.ca.certPem);
    try {
      await new KeycloakAdmin({ origin, realm: KEYCLOAK_REALM, admin, dispatcher }).setUpRealm();
    } finally {
      await dispatcher.close();
    }
    const control: KeycloakControlInfo = {
      realm: KEYCLOAK_REALM,
      admin,
      ...(cell.idp.settings.tokenEndpointAuthMethod ? { tokenEndpointAuthMethod: cell.idp.settings.tokenEndpointAuthMethod } : {}),
    };
    return { origin, issuer: `${origin}/realms/${KEYCLOAK_REALM}`, control: { ...control } };
  });
}
