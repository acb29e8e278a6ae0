// Given an IdP provider that encrypts its ID tokens (authentik with an encryption key: JWE, RSA-OAEP-256 / A256CBC-HS512),
// when a user logs in,
// then the photo server cannot read the token and the login fails.
import { scenario } from '../harness/scenario.js';

scenario('jwe-rejected', 'An encrypted (JWE) ID token is rejected', async ({ stack, check }) => {
  await stack.useOAuth({ autoRegister: true });
  for (const flow of ['web', 'mobile'] as const) {
    // given
    const user = await stack.createUser();
    // when
    const result = await stack.login(flow, user);
    // then: no account was made either
    await check('jwe', { ...result, facts: { created: (await stack.userByEmail(user.profile.email!)) !== undefined } });
  }
});
