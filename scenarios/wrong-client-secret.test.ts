// Given an OAuth client registered at the IdP, and the photo server configured with a secret that is not its,
// when a user logs in (with the auth method the IdP registered),
// then the IdP refuses the token request (invalid_client) and the photo server answers with its own error,
// creating no account.
import { scenario } from '../harness/scenario.js';

scenario('wrong-client-secret', 'A wrong client secret fails the login with the photo server’s error, and no account is made', async ({ stack, check }) => {
  // Alphanumeric like a real one: only its value is wrong.
  await stack.useOAuth({ autoRegister: true, clientSecret: stack.unique('wrongsecret') });
  for (const flow of ['web', 'mobile'] as const) {
    // given
    const user = await stack.createUser();
    // when
    const result = await stack.login(flow, user);
    // then
    const created = await stack.userByEmail(user.profile.email!);
    await check('wrong-secret', { ...result, facts: { created: created !== undefined } });
  }
});
