// Given an IdP that signs its ID tokens ES256,
// when a user logs in while the photo server expects RS256 (its default signingAlgorithm),
// then the login fails with the photo server's error; and with signingAlgorithm set to ES256 it works.
import { scenario } from '../harness/scenario.js';

scenario('signing-algorithm', 'ID tokens signed with another algorithm than the configured one are refused, and accepted once it is configured', async ({ stack, check }) => {
  const cases = [
    { id: 'expects-rs256', settings: {} },
    { id: 'configured-es256', settings: { signingAlgorithm: 'ES256' } },
  ];
  for (const c of cases) {
    // given
    await stack.useOAuth({ autoRegister: true, ...c.settings }, { forge: 'es256' });
    const user = await stack.createUser();
    // when
    const result = await stack.login('web', user);
    // then
    const created = await stack.userByEmail(user.profile.email!);
    await check(c.id, { ...result, facts: { created: created !== undefined } });
  }
});
