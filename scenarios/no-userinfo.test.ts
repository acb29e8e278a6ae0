// Given an IdP whose discovery has no userinfo endpoint, with the user's profile in the ID token or without it,
// when a user logs in,
// then the login works where Immich reads the profile from an ID token that carries the email (2.6+), and fails
// where Immich asks userinfo regardless, or where the ID token lacks the email.
import type { Forgery } from '../harness/idp/control.js';
import { scenario } from '../harness/scenario.js';

const setups: Record<string, Forgery> = {
  'profile-in-id-token': 'no-userinfo',
  'protocol-claims-only': 'no-userinfo-thin-id-token',
};

scenario('no-userinfo', 'An IdP without a userinfo endpoint works where the ID token carries the profile and Immich reads it', async ({ stack, check, applies }) => {
  for (const [caseId, forge] of Object.entries(setups)) {
    if (!applies(caseId)) continue;
    // given
    await stack.useOAuth({ autoRegister: true }, { forge });
    const user = await stack.createUser();
    // when
    const result = await stack.login('web', user);
    // then
    const created = await stack.userByEmail(user.profile.email!);
    await check(caseId, { ...result, facts: { created: created !== undefined } });
  }
});
