// Completes the embedded provider's own pages (login, then consent for explicit-consent clients) and returns
// once the browser has been sent away from the provider's origin (an https redirect or a custom scheme such
// as app.immich:, which Chromium aborts but still requests). Waits on elements and requests, never on time.
import type { Page, Request } from 'playwright-core';
import type { Credentials, IdpPageDriver } from '../../harness/drivers/types.js';

const PAGE = '#username, #accept, #idp-error';

/** Resolves with the first main-frame navigation away from `origin`. */
function leaving(page: Page, origin: string): Promise<Request> {
  return page.waitForRequest((r) => r.isNavigationRequest() && r.frame() === page.mainFrame() && new URL(r.url()).origin !== origin);
}

/** Races the promises; the losers' later rejections (page closed, time-outs) are swallowed. */
function first<T>(...promises: Promise<T>[]): Promise<T> {
  promises.forEach((p) => p.catch(() => undefined));
  return Promise.race(promises);
}

async function errorText(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? '').trim();
}

export const embeddedIdpDriver: IdpPageDriver = {
  name: 'embedded',
  async complete(page: Page, user: Credentials): Promise<void> {
    await page.locator(PAGE).first().waitFor();
    const origin = new URL(page.url()).origin;
    if (await page.locator('#idp-error').count()) throw new Error(`embedded IdP error page: ${await errorText(page, '#idp-error')}`);

    if (await page.locator('#username').count()) {
      // Our own plain form, already waited for: no actionability checks needed (each costs CDP round trips).
      await page.locator('#username').fill(user.username, { force: true });
      await page.locator('#password').fill(user.password, { force: true });
      const away = leaving(page, origin);
      await page.locator('#sign-in').click({ force: true, noWaitAfter: true });
      const next = await first<unknown>(
        away,
        page.locator('#login-error, #accept, #idp-error').first().waitFor().then(() => 'page'),
      );
      if (next !== 'page') return;
      if (await page.locator('#login-error').count()) {
        throw new Error(`embedded IdP refused the login of "${user.username}": ${await errorText(page, '#login-error')}`);
      }
      if (await page.locator('#idp-error').count()) throw new Error(`embedded IdP error page: ${await errorText(page, '#idp-error')}`);
    }

    const away = leaving(page, origin);
    await page.locator('#accept').click();
    const next = await first<unknown>(away, page.locator('#idp-error').waitFor().then(() => 'error'));
    if (next === 'error') throw new Error(`embedded IdP error page: ${await errorText(page, '#idp-error')}`);
  },
};
