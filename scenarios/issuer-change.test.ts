// Given a user whose account the photo server made at a first issuer's login, and the photo server then set to
// another issuer that issues the same subject for them (a second IdP, or the same IdP at a new address),
// when they log in through the new issuer, with another email there,
// then Immich opens the account the first issuer made: it finds OAuth accounts by subject alone, whatever the
// issuer, so the new issuer's subjects must not collide with the old one's.
import { scenario } from '../harness/scenario.js';

scenario('issuer-change', 'An account made through one issuer is opened by the same subject from another issuer', async ({ stack, check }) => {
  // given: a first login makes the account
  await stack.useOAuth({ autoRegister: true });
  const user = await stack.createUser();
  const first = await stack.login('web', user);
  const account = first.status === 201 ? await stack.lastLoginUserId() : undefined;
  await check('first-issuer', { ...first, facts: { created: account !== undefined } });
  if (!account) return;

  // when: the photo server moves to a second issuer, the user's email there is another, and they log in
  const client = await stack.useOAuth({ autoRegister: true }, { forge: 'second-issuer' });
  await stack.idp.updateUser(user.username, { email: `moved-${user.profile.email}` });
  const second = await stack.login('web', user);
  const signedInto = second.status === 201 ? await stack.lastLoginUserId() : undefined;
  // then
  await check('same-subject', { ...second, facts: { sameAccount: signedInto === account }, detail: `second issuer ${client.issuer}` });
});
