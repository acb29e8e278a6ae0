// Given a user logged in on the web through the IdP (and, from 3.0, an admin who typed a logout URL of their own),
// when the user logs out of the photo server,
// then the session ends and the browser is sent to the IdP's end_session_endpoint where discovery has one (with
// the ID token as id_token_hint from 3.1), to the typed URL where it is set, or back to the login page.
import type { IdpClient } from '../harness/idp/control.js';
import { scenario } from '../harness/scenario.js';

const setups: Record<string, (client: IdpClient) => Record<string, unknown>> = {
  discovered: () => ({}),
  'typed-url': (client) => ({ endSessionEndpoint: `${new URL(client.issuer).origin}/signed-out` }),
};

scenario('logout', "Logging out ends the session and goes to the IdP's logout where Immich knows one", async ({ stack, check, applies }) => {
  for (const [caseId, settings] of Object.entries(setups)) {
    if (!applies(caseId)) continue;
    // given
    const client = await stack.useOAuth((c: IdpClient) => ({ autoRegister: true, ...settings(c) }));
    const user = await stack.createUser();
    const login = await stack.login('web', user);
    if (login.status !== 201) {
      await check(caseId, login); // a login that fails is judged by the login rules
      continue;
    }
    // when
    const { status, message, ...facts } = await stack.logout(client.issuer, settings(client)['endSessionEndpoint'] as string | undefined);
    // then
    await check(caseId, { flow: 'web', status, ...(message ? { message } : {}), facts });
  }
});
