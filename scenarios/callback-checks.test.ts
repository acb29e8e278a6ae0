// Given a user who completed the IdP's pages in the app, or in the browser,
// when the app posts the callback without its state or PKCE verifier, or with ones it did not send (or the
// browser comes back without the state or verifier cookie authorize set, or with another value in it),
// then the photo server (or the IdP, for the verifier) refuses the login, with the answer its version gives.
import type { CallbackChange } from '../harness/flows/login.js';
import { scenario } from '../harness/scenario.js';

const changes: CallbackChange[] = ['no-state', 'no-verifier', 'wrong-state', 'wrong-verifier'];

scenario('callback-checks', 'A callback without the state or PKCE verifier the login began with is refused', async ({ stack, check, applies }) => {
  await stack.useOAuth({ autoRegister: true });
  for (const change of changes) {
    if (!applies(change)) continue;
    // The app sends state and verifier in the body; the web app's come from the cookies authorize set.
    for (const flow of ['mobile', 'web'] as const) {
      // given
      const user = await stack.createUser();
      // when
      const result = await stack.login(flow, user, { callback: change });
      // then
      const created = await stack.userByEmail(user.profile.email!);
      await check(change, { ...result, facts: { created: created !== undefined } });
    }
  }
});
