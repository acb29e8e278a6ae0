// Keycloak's login pages (the keycloak.v2 theme of 26.x): username and password in one form, then the consent
// page when the client asks for it. Error pages and inline errors are thrown with their text.
import type { Page } from 'playwright-core';
import type { Credentials, IdpPageDriver } from '../../harness/drivers/types.js';

/** Where Keycloak shows why it will not go on: its error page, or an error under the login form. */
const ERROR = '#kc-error-message, #input-error-username, #input-error-password, #input-error';

export function keycloakDriver(version: string): IdpPageDriver {
  return {
    name: `keycloak ${version}`,
    async complete(page: Page, user: Credentials) {
      const origin = new URL(page.url()).origin;
      const refused = async () => {
        const text = (await page.locator(ERROR).first().textContent())?.replace(/\s+/g, ' ').trim();
        return new Error(`Keycloak refused the login: ${text || (await page.title())}`);
      };
      const first = await Promise.race([
        page.locator('#kc-form-login').waitFor().then(() => 'login' as const),
        page.locator(ERROR).first().waitFor().then(() => 'error' as const),
      ]);
      if (first === 'error') throw await refused();
      await page.locator('#username').fill(user.username);
      await page.locator('#password').fill(user.password);
      await page.locator('#kc-login').click();
      const next = await Promise.race([
        page.locator('#kc-oauth #kc-login').waitFor().then(() => 'consent' as const),
        page.locator(ERROR).first().waitFor().then(() => 'error' as const),
        page.waitForURL((url) => url.origin !== origin).then(() => 'left' as const),
      ]);
      if (next === 'error') throw await refused();
      if (next === 'consent') {
        await page.locator('#kc-oauth #kc-login').click();
        await page.waitForURL((url) => url.origin !== origin);
      }
    },
  };
}
