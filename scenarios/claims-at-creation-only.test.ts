// Given a user created by a first OAuth login,
// when their name, email, storage label and quota change at the IdP and they log in again,
// then the photo server keeps the user as it was created (claims apply at creation only) —
// except the role claim, which is re-applied at every login from Immich 3.1.0 on.
import { scenario } from '../harness/scenario.js';
import { userFactsOf } from './support.js';

scenario('claims-at-creation-only', 'Claims are applied when the user is created, not at later logins', async ({ stack, check, applies }) => {
  await stack.useOAuth({ autoRegister: true });
  // What a later login updates is decided after the callback, the same for the web and the app;
  // creation through the app is covered by auto-register. One flow keeps the matrix fast.
  for (const flow of ['web'] as const) {
    // given: a user created by a first login
    const user = await stack.createUser({ claims: { immich_quota: 3, immich_role: 'admin' } });
    const first = await stack.login(flow, user);
    const created = await stack.userByEmail(user.profile.email!);
    await check('first-login', { ...first, facts: { created: created !== undefined } });
    if (!created) continue;

    // when: the profile changes at the IdP (same sub), and the user logs in again
    const changedName = `Renamed ${user.username}`;
    await stack.idp.updateUser(user.username, {
      name: changedName,
      email: `changed-${user.profile.email}`,
      // The storage label follows preferred_username, which Authelia and authentik tie to the username.
      ...(stack.idp.capabilities.preferredUsername === 'settable' ? { preferredUsername: `changed${user.username}` } : {}),
      claims: { immich_quota: 9, immich_role: 'admin' },
    });
    const second = await stack.login(flow, user);
    const after = await stack.userById(created.id);
    // then: the photo server still has the profile it created
    const before = userFactsOf(created);
    const now = userFactsOf(after);
    const changed = Object.keys(before ?? {}).filter((k) => k !== 'isAdmin' && JSON.stringify(before?.[k]) !== JSON.stringify(now?.[k]));
    await check('second-login', { ...second, facts: { profileChanged: changed.length > 0 }, detail: changed.length ? `changed: ${changed.join(', ')}` : undefined });

    // when: the role claim is lowered to "user" and the user logs in again
    if (!applies('role-downgrade')) continue;
    await stack.idp.updateUser(user.username, { claims: { immich_quota: 9, immich_role: 'user' } });
    const third = await stack.login(flow, user);
    const afterRole = await stack.userById(created.id);
    await check('role-downgrade', { ...third, facts: { isAdmin: afterRole?.isAdmin } });
  }
});
