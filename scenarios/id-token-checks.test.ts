// Given an IdP that gets one thing wrong in the ID token it issues (or in its userinfo answer), a nonce
// among them (Immich sends none, so an empty or unrequested one is all an IdP can get wrong there),
// when a user logs in,
// then the photo server refuses the login and makes no account; and given an IdP that rotated its signing key,
// the photo server fetches the new key and the login works.
import { FORGERIES, FORGERY_KINDS } from '../harness/idp/control.js';
import { scenario } from '../harness/scenario.js';

// The other forgeries are guarded where they read as their own bug report (a late answer, a certificate...).
const checks = FORGERIES.filter((f) => FORGERY_KINDS[f].scenario === 'id-token-checks');

scenario('id-token-checks', 'A forged or broken ID token is refused, and a rotated signing key is followed', async ({ stack, check, applies }) => {
  for (const forge of checks) {
    if (!applies(forge)) continue;
    // given
    await stack.useOAuth({ autoRegister: true }, { forge });
    const user = await stack.createUser();
    // when
    const result = await stack.login('web', user);
    // then
    const created = await stack.userByEmail(user.profile.email!);
    await check(forge, { ...result, facts: { created: created !== undefined } });
  }
});
