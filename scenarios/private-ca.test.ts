// Given an IdP whose certificate comes from a private CA the photo server was not told to trust (every other
// scenario runs the same IdP behind the run's CA, which the photo server trusts),
// when a user logs in,
// then the photo server fails at discovery with its TLS error, and makes no account.
import { scenario } from '../harness/scenario.js';

scenario('private-ca', "An IdP behind a private CA the photo server does not trust fails at discovery", async ({ stack, check }) => {
  // given
  await stack.useOAuth({ autoRegister: true }, { forge: 'untrusted-ca' });
  const user = await stack.createUser();
  // when
  const result = await stack.login('web', user);
  // then
  const created = await stack.userByEmail(user.profile.email!);
  await check('untrusted', { ...result, facts: { created: created !== undefined } });
});
