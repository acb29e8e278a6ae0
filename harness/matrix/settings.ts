// Which IdP settings exist on which product and version. One table, read by the matrix loader
// (is this variant possible?) and the expectations loader (is this condition well typed?).
import semver from 'semver';
import type { IdpProduct, IdpSettings } from '../model.js';

export type SettingKey = keyof IdpSettings;

interface SettingRule {
  kind: 'boolean' | 'auth-method';
  products: readonly IdpProduct[];
  /** IdP versions that have the setting at all. */
  idpVersion?: string;
  /** Products where the variant must state it, because the product always has some value for it. */
  requiredFor?: readonly IdpProduct[];
  why: string;
}

export const settingRules: Record<SettingKey, SettingRule> = {
  signingKey: {
    kind: 'boolean',
    products: ['authentik'],
    why: 'only authentik providers can lack a signing key (then ID tokens are HS256)',
  },
  encryptionKey: {
    kind: 'boolean',
    products: ['authentik'],
    idpVersion: '>=2024.10.0',
    why: 'authentik encrypts ID tokens (JWE) since 2024.10',
  },
  claimsInIdToken: {
    kind: 'boolean',
    products: ['authelia'],
    idpVersion: '>=4.39.0',
    why: 'Authelia 4.39 moved profile claims to userinfo; 4.38 always puts them in the ID token',
  },
  tokenEndpointAuthMethod: {
    kind: 'auth-method',
    products: ['authelia'],
    requiredFor: ['authelia'],
    why: 'Authelia enforces the method registered for the client, client_secret_basic when unset; authentik accepts both',
  },
};

export const settingKeys = Object.keys(settingRules) as SettingKey[];
export const authMethods = ['client_secret_basic', 'client_secret_post'] as const;

/** Why a version cannot carry these settings, or undefined when it can. */
export function unsupportedSetting(product: IdpProduct, version: string, settings: IdpSettings): string | undefined {
  for (const key of settingKeys) {
    const rule = settingRules[key];
    const value = settings[key];
    // A boolean left false asks for nothing the version must support.
    if (value === undefined || value === false || !rule.idpVersion) continue;
    if (!semver.satisfies(version, rule.idpVersion)) return `${key} needs ${product} ${rule.idpVersion}: ${rule.why}`;
  }
  return undefined;
}

/** Whether `actual` has every setting `wanted` names; an unset boolean counts as false. */
export function settingsMatch(wanted: IdpSettings, actual: IdpSettings): boolean {
  return settingKeys.every((key) => {
    const want = wanted[key];
    if (want === undefined) return true;
    const have = actual[key] ?? (settingRules[key].kind === 'boolean' ? false : undefined);
    return have === want;
  });
}
