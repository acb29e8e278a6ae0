// Given a user with a password account, signed in, who links their IdP account from the user settings page,
// when they later log in through the IdP, when a second account tries to link the same IdP account, and when
// the first unlinks it,
// then the IdP login opens the linked account, the second link is refused, and after unlinking the IdP login no
// longer opens it (a new account is made instead).
import { scenario } from '../harness/scenario.js';

scenario('settings-linking', 'An IdP account linked from the settings page logs into that account until it is unlinked', async ({ stack, check }) => {
  await stack.useOAuth({ autoRegister: true });
  // given: IdP logins work on this cell at all (where the token request fails for everyone, linking fails alike)
  const someone = await stack.login('web', await stack.createUser());
  await check('idp-login', someone);
  if (someone.status !== 201) return;
  // given: a password account, and an IdP user with another email (so nothing links by email)
  const local = await stack.createLocalSession();
  const idpUser = await stack.createUser();
  // when: they link from the settings page
  const linked = await stack.link(idpUser, local.token);
  const afterLink = await stack.userById(local.user.id);
  await check('link', { ...linked, facts: { linked: Boolean(afterLink?.oauthId) } });
  if (!afterLink?.oauthId) return;

  // then: the IdP login opens that account
  const login = await stack.login('web', idpUser);
  const signedInto = login.status === 201 ? await stack.lastLoginUserId() : undefined;
  await check('login-after-link', { ...login, facts: { sameAccount: signedInto === local.user.id } });

  // when: another account links the same IdP account
  const other = await stack.createLocalSession();
  const again = await stack.link(idpUser, other.token);
  const otherAfter = await stack.userById(other.user.id);
  await check('linked-elsewhere', { ...again, facts: { linked: Boolean(otherAfter?.oauthId) } });

  // when: the first account unlinks, and the IdP user logs in again
  const unlinked = await stack.unlink(local.token);
  const loginAfter = await stack.login('web', idpUser);
  const signedIntoAfter = loginAfter.status === 201 ? await stack.lastLoginUserId() : undefined;
  const accounts = await stack.usersWithEmail(idpUser.profile.email!);
  await check('unlink', {
    flow: 'web',
    status: unlinked.status,
    facts: { sameAccount: signedIntoAfter === local.user.id, newAccount: accounts === 1, loginStatus: loginAfter.status },
  });
});
