// Given a user logged in on the web through the IdP,
// when the IdP tells the photo server over the back channel that the user logged out (a logout token it signed,
// posted to /api/oauth/backchannel-logout; here the harness posts what the IdP made), or sends one without the
// logout event,
// then the photo server ends the user's sessions for the first and refuses the second, from 3.0 on; before 3.0
// it has no such endpoint and the session stays.
import { scenario } from '../harness/scenario.js';

const tokens = { 'logout-token': undefined, 'no-logout-event': 'no-event' } as const;

scenario('backchannel-logout', 'A back-channel logout from the IdP ends the sessions it names', async ({ stack, check, applies }) => {
  const client = await stack.useOAuth({ autoRegister: true });
  for (const [caseId, fault] of Object.entries(tokens)) {
    if (!applies(caseId)) continue;
    // given
    const user = await stack.createUser();
    const login = await stack.login('web', user);
    if (login.status !== 201) {
      await check(caseId, login); // a login that fails is judged by the login rules
      continue;
    }
    // when
    const { status, message, sessionEnded } = await stack.backchannelLogout(client.clientId, user.sub, fault);
    // then
    await check(caseId, { flow: 'api', status, ...(message ? { message } : {}), facts: { sessionEnded } });
  }
});
