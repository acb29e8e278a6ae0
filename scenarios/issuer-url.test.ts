// Given an IdP whose issuer URL is typed into the photo server in another form than the one its discovery
// document states (a trailing slash more or less, the whole discovery URL, http instead of https, a wrong path),
// when a user logs in,
// then the photo server either finds the IdP and the login works, or refuses at discovery with its own error.
import type { IdpClient } from '../harness/idp/control.js';
import { scenario } from '../harness/scenario.js';

const forms: Record<string, (issuer: string) => string> = {
  'slash-toggled': (issuer) => (issuer.endsWith('/') ? issuer.slice(0, -1) : `${issuer}/`),
  'discovery-url': (issuer) => `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
  'http-scheme': (issuer) => issuer.replace(/^https:/, 'http:'),
  'wrong-path': (issuer) => `${issuer.replace(/\/$/, '')}/not-an-issuer`,
};

scenario('issuer-url', 'The issuer URL typed another way than discovery states it works or fails at discovery, never half-way', async ({ stack, check, applies }) => {
  for (const [form, typed] of Object.entries(forms)) {
    if (!applies(form)) continue;
    // given
    await stack.useOAuth((client: IdpClient) => ({ autoRegister: true, issuerUrl: typed(client.issuer) }));
    const user = await stack.createUser();
    // when
    const result = await stack.login('web', user);
    // then
    const created = await stack.userByEmail(user.profile.email!);
    await check(form, { ...result, facts: { created: created !== undefined } });
  }
});
