// Given an IdP user the photo server has never seen,
// when they log in through the web page or the mobile app (directly, or through the mobile redirect override),
// then the photo server creates them from the IdP's claims if auto-register is on, and refuses them if it is off.
import { scenario } from '../harness/scenario.js';
import { userFactsOf } from './support.js';

const FLOWS = ['web', 'mobile'] as const;

scenario('auto-register', 'A new OAuth user is created from the IdP claims only when auto-register is on', async ({ stack, check }) => {
  for (const flow of [...FLOWS, 'mobile-override'] as const) {
    // given: auto-register on (for the override flow, the IdP returns to /api/oauth/mobile-redirect, which
    // sends the browser on to the app), a user with a full profile including the custom claims
    await stack.useOAuth({ autoRegister: true, ...(flow === 'mobile-override' ? stack.mobileOverride() : {}) });
    const user = await stack.createUser({ claims: { immich_quota: 7, immich_role: 'admin' } });
    // when
    const result = await stack.login(flow, user);
    // then
    const created = await stack.userByEmail(user.profile.email!);
    await check('on', { ...result, facts: userFactsOf(created) }, {
      name: { 'from-claim': user.profile.name },
      email: { 'from-claim': user.profile.email },
      storageLabel: { 'from-claim': user.profile.preferredUsername, none: null },
      quota: { 'from-claim': 7, default: null },
      isAdmin: { 'from-claim': true },
    });
  }

  for (const flow of FLOWS) {
    // given: auto-register off, a user the photo server has never seen
    await stack.useOAuth({ autoRegister: false });
    const stranger = await stack.createUser();
    // when
    const result = await stack.login(flow, stranger);
    // then: refused, and no account was made
    const made = await stack.userByEmail(stranger.profile.email!);
    await check('off', { ...result, facts: { created: made !== undefined } });
  }
});
