// Given a public client at the IdP (no secret; the IdP requires PKCE of it),
// when a user logs in through a photo server configured with an empty client secret,
// then the login works where Immich sends no client authentication for an empty secret and uses PKCE (1.133+),
// and fails where it still authenticates with the empty secret.
import { scenario } from '../harness/scenario.js';

scenario('public-client', 'A public client with PKCE and no secret works where Immich allows an empty secret', async ({ stack, check }) => {
  await stack.useOAuth({ autoRegister: true }, { public: true });
  for (const flow of ['web', 'mobile'] as const) {
    // given
    const user = await stack.createUser();
    // when
    const result = await stack.login(flow, user);
    // then
    const created = await stack.userByEmail(user.profile.email!);
    await check('no-secret', { ...result, facts: { created: created !== undefined } });
  }
});
