// Given an IdP that takes five seconds to answer the token request,
// when a user logs in with Immich's `timeout` setting left at its default, set below the delay, or set to a
// number of milliseconds (as its settings page suggests),
// then the login waits where the timeout allows it and fails where Immich gives up first; the last two show that
// Immich 1.133+ hands the setting to openid-client 6, which reads it as seconds.
import { scenario } from '../harness/scenario.js';

// The IdP holds the token answer back SLOW_TOKEN_MS (5 s): 2 is below it in seconds, 2000 far above it.
const timeouts: Record<string, Record<string, unknown>> = {
  'default-timeout': {},
  'below-delay': { timeout: 2 },
  'typed-as-milliseconds': { timeout: 2000 },
};

scenario('idp-timeout', "A slow IdP is waited for as long as Immich's timeout setting allows", async ({ stack, check, applies }) => {
  for (const [caseId, setting] of Object.entries(timeouts)) {
    if (!applies(caseId)) continue;
    // given
    await stack.useOAuth({ autoRegister: true, ...setting }, { forge: 'slow-token' });
    const user = await stack.createUser();
    // when
    const result = await stack.login('web', user);
    // then
    const created = await stack.userByEmail(user.profile.email!);
    await check(caseId, { ...result, facts: { created: created !== undefined } });
  }
});
