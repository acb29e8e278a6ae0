// Which IdP settings exist on which product and version. One table, read by the matrix loader
// (is this variant possible?) and the expectations loader (is this condition well typed?).
import semver from 'semver';
import { idpProducts } from '../../products/index.js';
import { PLAIN_IDP, PLAIN_IDP_SETTINGS } from '../../products/embedded-idp/plain.js';
import type { SettingSupport } from '../../products/types.js';
import type { IdpProduct, IdpSettings } from '../model.js';

export type SettingKey = keyof IdpSettings;

interface SettingRule {
  kind: 'boolean' | 'auth-method';
  /** What the setting means; which products have it, and from which version, each product says (products/<id>/index.ts). */
  about: string;
}

export const settingRules: Record<SettingKey, SettingRule> = {
  signingKey: { kind: 'boolean', about: 'the provider signs ID tokens with an RSA key (without one: HS256 with the client secret)' },
  encryptionKey: { kind: 'boolean', about: 'the provider encrypts ID tokens (JWE)' },
  claimsInIdToken: { kind: 'boolean', about: 'profile and email claims in the ID token as well as from userinfo' },
  tokenEndpointAuthMethod: { kind: 'auth-method', about: 'the token-endpoint auth method registered for the client' },
  forgesTokens: { kind: 'boolean', about: 'the IdP forges broken or hostile tokens when a scenario asks' },
};

export const settingKeys = Object.keys(settingRules) as SettingKey[];
export const authMethods = ['client_secret_basic', 'client_secret_post'] as const;

/** How `product` has `key`, or undefined when it has no such setting. */
export function settingSupport(product: IdpProduct, key: SettingKey): SettingSupport | undefined {
  if (product === PLAIN_IDP) return (PLAIN_IDP_SETTINGS as Partial<Record<SettingKey, SettingSupport>>)[key];
  return idpProducts.get(product)?.settings[key];
}

/** The products that have `key`, for messages. */
export function productsWith(key: SettingKey): string[] {
  return [...idpProducts.keys(), PLAIN_IDP].filter((id) => settingSupport(id, key));
}

/** Why a version cannot carry these settings, or undefined when it can. */
export function unsupportedSetting(product: IdpProduct, version: string, settings: IdpSettings): string | undefined {
  for (const key of settingKeys) {
    const versions = settingSupport(product, key)?.versions;
    const value = settings[key];
    // A boolean left false asks for nothing the version must support.
    if (value === undefined || value === false || !versions) continue;
    if (!semver.satisfies(version, versions)) return `${key} needs ${product} ${versions} (${settingRules[key].about})`;
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
