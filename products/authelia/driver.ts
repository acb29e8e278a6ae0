// Authelia's React login portal: first factor, optional TOTP second factor, consent (element ids by version).
import type { Page } from 'playwright-core';
import { autheliaConsentIds } from './facts.js';
import { totp } from '../../harness/drivers/totp.js';
import type { Credentials, IdpPageDriver } from '../../harness/drivers/types.js';

export function autheliaDriver(version: string): IdpPageDriver {
  const consent = autheliaConsentIds(version);
  return {
    name: `authelia ${version}`,
    async complete(page: Page, user: Credentials) {
      const origin = new URL(page.url()).origin;
      await page.locator('#username-textfield').fill(user.username);
      await page.locator('#password-textfield').fill(user.password);
      await page.locator('#sign-in-button').click();
      // After the first factor Authelia shows a second factor, a consent, or redirects: take them as they come.
      for (;;) {
        const next = await Promise.race([
          page.locator('#second-factor-stage').waitFor().then(() => 'totp' as const),
          page.locator(`#${consent.accept}`).waitFor().then(() => 'consent' as const),
          page.waitForURL((url) => url.origin !== origin).then(() => 'left' as const),
        ]);
        if (next === 'left') return;
        if (next === 'consent') {
          await page.locator(`#${consent.accept}`).click();
          await page.waitForURL((url) => url.origin !== origin);
          return;
        }
        if (!user.totpSecret) throw new Error(`Authelia asks ${user.username} for a second factor, but the user has no TOTP secret`);
        await page.locator('#otp-input input').first().click();
        await page.keyboard.type(totp(user.totpSecret));
        await page.locator('#second-factor-stage').waitFor({ state: 'detached' });
      }
    },
  };
}
