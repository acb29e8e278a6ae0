// The embedded provider is oidc-provider; as an IdP of its own (no product's quirks, and able to forge what a
// broken or hostile IdP sends) it is tested at the version installed, the one that answers.
import { createRequire } from 'node:module';
import type { SettingSupport } from '../types.js';

export const PLAIN_IDP = 'oidc-provider';
export const OIDC_PROVIDER_VERSIONS: readonly string[] = [(createRequire(import.meta.url)('oidc-provider/package.json') as { version: string }).version];

/** Its settings, as products/<id>/index.ts declares theirs: it forges tokens when a client asks. */
export const PLAIN_IDP_SETTINGS: Partial<Record<'forgesTokens', SettingSupport>> = { forgesTokens: {} };
