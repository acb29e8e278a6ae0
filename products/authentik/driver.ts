// authentik's flow executor: identification and password stages inside open shadow roots (Playwright's CSS
// engine pierces them), then an explicit consent stage when the provider's flow has one.
import type { Page } from 'playwright-core';
import type { Credentials, IdpPageDriver } from '../../harness/drivers/types.js';

export function authentikDriver(version: string): IdpPageDriver {
  return {
    name: `authentik ${version}`,
    async complete(page: Page, user: Credentials) {
      const origin = new URL(page.url()).origin;
      const uid = page.locator('ak-stage-identification input[name=uidField]');
      await uid.fill(user.username);
      await uid.press('Enter');
      const password = page.locator('ak-stage-password input[name=password]');
      await password.fill(user.password);
      await password.press('Enter');
      const next = await Promise.race([
        page.locator('ak-stage-consent [type=submit]').waitFor().then(() => 'consent' as const),
        page.locator('header > h1, .pf-c-title').filter({ hasText: /Permission denied|Redirect URI Error/ }).waitFor().then(() => 'error' as const),
        page.waitForURL((url) => url.origin !== origin).then(() => 'left' as const),
      ]);
      if (next === 'error') {
        throw new Error(`authentik refused the login: ${(await page.locator('header > h1, .pf-c-title').first().textContent())?.trim()}`);
      }
      if (next === 'consent') {
        await page.locator('ak-stage-consent [type=submit]').click();
        await page.waitForURL((url) => url.origin !== origin);
      }
    },
  };
}
