// Given a local (password) account on the photo server,
// when a user logs in through the IdP with the same email (or the same email in other letter case),
// then the photo server links the OAuth login to that account and keeps its name; and a second IdP account with
// an email that is linked already is refused, with that version's message.
import { scenario } from '../harness/scenario.js';

scenario('account-linking', 'An OAuth login links to the local account with its email, once', async ({ stack, check, applies }) => {
  await stack.useOAuth({ autoRegister: true });

  // given a local account, when an IdP user with its email logs in
  const local = await stack.createLocalUser({ name: 'Local Name' });
  const first = await stack.createUser({ email: local.email });
  const linked = await stack.login('web', first);
  // then it is that account, linked, with the name it had
  const after = await stack.userById(local.id);
  await check('links-by-email', { ...linked, facts: { linked: Boolean(after?.oauthId), nameKept: after?.name === 'Local Name', accounts: await stack.usersWithEmail(local.email) } });

  if (applies('email-linked-to-another')) {
    // given that account linked, when another IdP user (another subject) with the same email logs in
    const second = await stack.createUser({ email: local.email });
    const refused = await stack.login('web', second);
    await check('email-linked-to-another', { ...refused, facts: { accounts: await stack.usersWithEmail(local.email) } });
  }

  // given another local account, when an IdP user whose email differs only in letter case logs in
  const lower = await stack.createLocalUser();
  const shouting = await stack.createUser({ email: lower.email.toUpperCase() });
  const result = await stack.login('web', shouting);
  const lowerAfter = await stack.userById(lower.id);
  await check('email-case', { ...result, facts: { linked: Boolean(lowerAfter?.oauthId), accounts: await stack.usersWithEmail(lower.email) } });
});
