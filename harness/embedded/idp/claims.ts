// The claims each modelled IdP derives from a user, and which scope releases which claim.
// Built from the *current* user on every call, so an update shows in the next token and userinfo answer.
import type { ClaimStyle, Profile } from './profiles.js';

export interface StoredUser {
  username: string;
  password: string;
  sub: string;
  name?: string;
  givenName?: string;
  familyName?: string;
  email: string | null;
  preferredUsername?: string;
  claims: Record<string, unknown>;
  /** Unix seconds of the last change. */
  updatedAt: number;
}

type Claims = Record<string, unknown>;

interface ClaimRules {
  /** Claim names released by each standard scope (custom claims are added under the custom scope). */
  scopes: Record<string, string[]>;
  build(user: StoredUser, profile: Profile): Claims;
}

const dropEmptyStrings = (claims: Claims): Claims =>
  Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined && v !== ''));

const RULES: Record<ClaimStyle, ClaimRules> = {
  // authentik's managed scope mappings: given_name is the full name; no email gives "".
  authentik: {
    scopes: { profile: ['name', 'given_name', 'preferred_username', 'nickname', 'groups'], email: ['email', 'email_verified'] },
    build: (u, p) => ({
      name: u.name ?? '',
      given_name: u.name ?? '',
      preferred_username: u.username,
      nickname: u.username,
      groups: [],
      email: u.email ?? '',
      email_verified: p.emailVerified,
    }),
  },
  // Authelia 4.38 oidcApplyScopeClaims: profile = preferred_username + name; the file backend always hands
  // over one email ([]string{m.Email}), so a user without email gets email "" and email_verified true.
  'authelia-4.38': {
    scopes: { profile: ['name', 'preferred_username'], email: ['email', 'email_verified', 'alt_emails'], groups: ['groups'] },
    build: (u, p) => ({
      name: u.name ?? u.username,
      preferred_username: u.username,
      groups: [],
      email: u.email ?? '',
      email_verified: p.emailVerified,
    }),
  },
  // Authelia 4.39 claims strategy: empty strings are never sent; email_verified is always true; userinfo carries
  // updated_at (seen on real 4.39.0 and 4.39.20).
  'authelia-4.39': {
    scopes: {
      profile: ['name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'updated_at'],
      email: ['email', 'email_verified', 'alt_emails'],
      groups: ['groups'],
    },
    build: (u, p) =>
      dropEmptyStrings({
        name: u.name ?? u.username,
        given_name: u.givenName,
        family_name: u.familyName,
        preferred_username: u.username,
        groups: [],
        email: u.email ?? undefined,
        email_verified: p.emailVerified,
        updated_at: u.updatedAt,
      }),
  },
  // Keycloak's default mappers: name joins first and last name; a user without email gets no email claim and
  // email_verified false.
  keycloak: {
    scopes: { profile: ['name', 'given_name', 'family_name', 'preferred_username'], email: ['email', 'email_verified'] },
    build: (u, p) => {
      const first = u.givenName ?? u.name;
      return dropEmptyStrings({
        name: [first, u.familyName].filter(Boolean).join(' ') || undefined,
        given_name: first,
        family_name: u.familyName,
        preferred_username: u.username.toLowerCase(),
        // Keycloak stores usernames and emails in lower case.
        email: u.email?.toLowerCase() || undefined,
        email_verified: u.email ? p.emailVerified : false,
      });
    },
  },
  // A plain provider: whatever the user record says, nothing more.
  plain: {
    scopes: { profile: ['name', 'given_name', 'family_name', 'preferred_username'], email: ['email', 'email_verified'] },
    build: (u, p) => ({
      name: u.name,
      given_name: u.givenName,
      family_name: u.familyName,
      preferred_username: u.preferredUsername ?? u.username,
      ...(u.email === null ? {} : { email: u.email, email_verified: p.emailVerified }),
    }),
  },
};

/** oidc-provider `claims` configuration: scope -> claim names. */
export function scopeClaims(profile: Profile, customClaims: string[]): Record<string, string[]> {
  const scopes: Record<string, string[]> = { openid: ['sub'], ...RULES[profile.claimStyle].scopes };
  if (profile.customClaimsScope) scopes[profile.customClaimsScope] = [...customClaims];
  return scopes;
}

/** Every claim of the user; oidc-provider keeps those the granted scopes release. */
export function userClaims(user: StoredUser, profile: Profile): Claims {
  const claims = { ...RULES[profile.claimStyle].build(user, profile), sub: user.sub };
  if (profile.customClaimsScope) Object.assign(claims, user.claims);
  return Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
}
