// Given an IdP that signs its ID tokens ES256,
// when a user logs in while the photo server expects RS256 (its default signingAlgorithm),
// then the login fails with the photo server's error; and with signingAlgorithm set to ES256 it works.
// Given an IdP that answers userinfo as a signed JWT (and keeps the profile out of the ID token),
// when the photo server's profileSigningAlgorithm is RS256, or left at none,
// then the login works, or fails, as that version reads userinfo.
import { scenario } from '../harness/scenario.js';

scenario('signing-algorithm', 'ID tokens signed with another algorithm than the configured one are refused, and accepted once it is configured', async ({ stack, check }) => {
  const cases = [
    { id: 'expects-rs256', settings: {}, client: { forge: 'es256' as const } },
    { id: 'configured-es256', settings: { signingAlgorithm: 'ES256' }, client: { forge: 'es256' as const } },
    { id: 'signed-userinfo-configured', settings: { profileSigningAlgorithm: 'RS256' }, client: { signedUserinfo: true } },
    { id: 'signed-userinfo-not-configured', settings: { profileSigningAlgorithm: 'none' }, client: { signedUserinfo: true } },
  ];
  for (const c of cases) {
    // given
    await stack.useOAuth({ autoRegister: true, ...c.settings }, c.client);
    const user = await stack.createUser();
    // when
    const result = await stack.login('web', user);
    // then
    const created = await stack.userByEmail(user.profile.email!);
    await check(c.id, { ...result, facts: { created: created !== undefined } });
  }
});
