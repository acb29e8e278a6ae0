// Given an IdP that requires PKCE of Immich's client, and that either advertises it in discovery
// (code_challenge_methods_supported) or does not,
// when a user logs in on the web and in the app,
// then the login works where Immich sends a code challenge, and the IdP refuses it where Immich decides from
// discovery to send none.
import { scenario } from '../harness/scenario.js';

const setups = { advertised: 'required', unadvertised: 'required-unadvertised' } as const;

scenario('pkce-support', 'An IdP that requires PKCE gets it where it advertises PKCE, and per version where it does not', async ({ stack, check, applies }) => {
  for (const [caseId, pkce] of Object.entries(setups)) {
    if (!applies(caseId)) continue;
    // given
    await stack.useOAuth({ autoRegister: true }, { pkce });
    for (const flow of ['web', 'mobile'] as const) {
      const user = await stack.createUser();
      // when
      const result = await stack.login(flow, user);
      // then
      const created = await stack.userByEmail(user.profile.email!);
      await check(caseId, { ...result, facts: { created: created !== undefined } });
    }
  }
});
