// Given the photo server set to launch OAuth at once (autoLaunch),
// when a user opens the login page (as it is, with ?autoLaunch=0, or while the IdP cannot be discovered),
// then the page goes straight to the IdP and the login works; stays with its OAuth button when asked to; and
// against a failing IdP asks once and stops there — no redirect storm.
import { scenario } from '../harness/scenario.js';

scenario('auto-launch', 'Auto launch goes to the IdP at once, unless told not to, and never storms a failing IdP', async ({ stack, check }) => {
  // given auto launch, when a user opens the login page
  await stack.useOAuth({ autoRegister: true, autoLaunch: true });
  const user = await stack.createUser();
  const launched = await stack.login('web', user, { autoLaunch: true });
  // then the login happens without pressing anything
  await check('launches', { ...launched, facts: { created: (await stack.userByEmail(user.profile.email!)) !== undefined } });

  // when the page is opened with ?autoLaunch=0, then it stays, with its button
  await check('opt-out', await stack.visitLoginPage('?autoLaunch=0'));

  // given an issuer that cannot be discovered, when the page is opened, then it asks once and stays
  await stack.useOAuth((client) => ({ autoRegister: true, autoLaunch: true, issuerUrl: `${client.issuer.replace(/\/$/, '')}/not-an-issuer` }));
  await check('failing-idp', await stack.visitLoginPage());
});
