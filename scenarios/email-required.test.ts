// Given an IdP user without an email address (the claim omitted, or sent as ""),
// when they log in for the first time with auto-register on,
// then the photo server refuses to create an account without an email.
import { scenario } from '../harness/scenario.js';

const CASES = [
  { id: 'omitted', email: null },
  { id: 'empty', email: '' },
] as const;

scenario('email-required', 'A new OAuth user without an email address is refused', async ({ stack, check }) => {
  await stack.useOAuth({ autoRegister: true });
  for (const flow of ['web', 'mobile'] as const) {
    for (const { id, email } of CASES) {
      // given
      const user = await stack.createUser({ email });
      // when
      const result = await stack.login(flow, user);
      // then
      await check(id, result);
    }
  }
});
