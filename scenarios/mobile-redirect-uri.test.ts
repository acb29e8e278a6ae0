// Given an IdP client registered with the photo server's web addresses only (the app's redirect URI left out),
// when a user logs in from the mobile app,
// then the IdP refuses the app's redirect URI (Immich passes it on as the app sent it), and with the mobile
// redirect override on, the IdP only sees the photo server's /api/oauth/mobile-redirect and the login works.
import { scenario } from '../harness/scenario.js';

scenario('mobile-redirect-uri', "The app's redirect URI reaches the IdP unless the mobile redirect override is on", async ({ stack, check }) => {
  for (const [caseId, settings] of [
    ['unregistered', {}],
    ['override', stack.mobileOverride()],
  ] as const) {
    // given
    await stack.useOAuth({ autoRegister: true, ...settings }, { redirectUris: stack.redirectUrisWithoutApp() });
    const user = await stack.createUser();
    // when
    const result = await stack.login(caseId === 'override' ? 'mobile-override' : 'mobile', user);
    // then
    const created = await stack.userByEmail(user.profile.email!);
    await check(caseId, { ...result, facts: { ...result.facts, created: created !== undefined } });
  }
});
