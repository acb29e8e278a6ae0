import type { Page } from 'playwright-core';

export interface Credentials {
  username: string;
  password: string;
  /** Base32 TOTP secret, for IdPs that ask for a second factor. */
  totpSecret?: string;
}

/**
 * Completes an identity provider's own pages (login, second factor, consent) in a browser page that has
 * been sent to the IdP, and returns once the IdP has redirected the browser away from its own origin
 * (or has shown an error page, which it throws with the page's message). Waits on elements, never sleeps.
 */
export interface IdpPageDriver {
  readonly name: string;
  complete(page: Page, user: Credentials): Promise<void>;
}
