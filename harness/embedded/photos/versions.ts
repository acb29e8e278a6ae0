// Every behaviour difference between the modelled Immich releases, as data: one table of semver ranges.
// Rows are applied in order; a later matching row overrides what an earlier one set. Facts come from
// immich.md and the upstream sources at the release commits (server/src/services/auth.service.ts,
// server/src/repositories/oauth.repository.ts).
import semver from 'semver';
import { plainVersion } from '../../../products/immich/settings.js';

export const MODELLED_VERSIONS = ['v1.113.0', 'v1.132.3', 'v2.7.5', 'v3.1.0', 'v3.2.2'] as const;
export type ModelledVersion = (typeof MODELLED_VERSIONS)[number];

export interface Behaviour {
  /** openid-client major, called the way that release calls it. */
  oidcLibrary: 5 | 6;
  /** Error body: NestJS's {message,error,statusCode,correlationId} or 3.x's {message} + X-Correlation-ID. */
  errorBody: 'nest' | 'message-only';
  /** Validation errors: class-validator message lists or 3.x's zod "Validation failed". */
  validation: 'class-validator' | 'zod';
  /** authorize sets immich_oauth_state / immich_oauth_code_verifier; callback/link need state and verifier. */
  stateAndVerifier: boolean;
  /** The login response carries isOnboarded (false until the user finished onboarding): server/src/dtos/auth.dto.ts from 1.135.0. */
  isOnboarded: boolean;
  /** 1.113: building the client refuses when disabled ("OAuth2 is not enabled"), for callback and link. */
  clientRefusesWhenDisabled: boolean;
  /** callback answers "OAuth is not enabled" itself (2.6.1+); between 1.132 and 2.6.0 it does not check. */
  callbackChecksEnabled: boolean;
  /** code_challenge in the authorize URL: never, always, blank when discovery lacks S256, or only with S256. */
  pkceInAuthorize: 'never' | 'always' | 'blank-unless-s256' | 'only-with-s256';
  /** Token endpoint client auth: openid-client 5's default, always client_secret_post, or the setting. */
  clientAuth: 'library-default' | 'post' | 'setting';
  /** Outgoing timeout: the library's default, or the `timeout` setting (read by openid-client 6 as seconds). */
  timeout: 'library-default' | 'setting';
  /** http:// issuers: always allowed (openid-client 6 allowInsecureRequests) or only with the setting (3.x). */
  insecureRequests: 'library-default' | 'always' | 'setting';
  /** Library errors while finishing a login: re-thrown as they are (1.132), or logged and wrapped (1.133+). */
  profileErrors: 'rethrow' | 'wrap';
  /** Userinfo: always called, or only when the ID token claims lack `email` (2.6+). */
  userinfo: 'always' | 'unless-id-token-has-email';
  /** Name of a new user: `name ?? given + ' ' + family` (untrimmed), or the 2.6.1 chain ending in the email. */
  name: 'name-or-given-family' | 'fallback-chain';
  /** Quota claim accepted when: typeof number >= 0 (1.113), or Number(v) >= 0. */
  quotaClaim: 'number-type' | 'numeric';
  /** Quota of 0 GiB: stored as null (`x * GiB || null`, before 1.135) or as 0 with null meaning unlimited. */
  quotaZero: 'null' | 'zero';
  /** Role claim: ignored, applied at creation (1.136+), or on every login, lists allowed (3.1.0). */
  role: 'ignored' | 'at-creation' | 'every-login';
  /** Email from the IdP: kept as sent, or trimmed and lower-cased (3.x). */
  normaliseEmail: boolean;
  /** Profile picture fetched when the user has none (1.132+). */
  pictureSync: boolean;
  /** Mobile override: 1.113 swaps a redirect starting with app.immich:/ for the override; later a regex. */
  mobileOverride: 'prefix-swap' | 'regex';
  /** Logout of an OAuth session goes to the IdP's end_session_endpoint, or to the endSessionEndpoint setting first (3.0+). */
  logoutTarget: 'discovery' | 'setting-or-discovery';
  /** The logout URL carries id_token_hint with the session's ID token (3.1+). */
  idTokenHint: boolean;
  /** POST /api/oauth/backchannel-logout ends the sessions a logout token names (3.0+). */
  backchannelLogout: boolean;
  /** Web login page: `?autoLaunch=1` forces auto launch (1.135+). */
  autoLaunchParamForces: boolean;
  messages: {
    autoRegisterOff: string;
    linkedToAnother: string;
    emailTaken: string;
  };
}

export interface BehaviourRow {
  range: string;
  note: string;
  set: Partial<Omit<Behaviour, 'messages'>> & { messages?: Partial<Behaviour['messages']> };
}

const BASE: Behaviour = {
  oidcLibrary: 5,
  errorBody: 'nest',
  validation: 'class-validator',
  isOnboarded: false,
  stateAndVerifier: false,
  clientRefusesWhenDisabled: true,
  callbackChecksEnabled: false,
  pkceInAuthorize: 'never',
  clientAuth: 'library-default',
  timeout: 'library-default',
  insecureRequests: 'library-default',
  profileErrors: 'rethrow',
  userinfo: 'always',
  name: 'name-or-given-family',
  quotaClaim: 'number-type',
  quotaZero: 'null',
  role: 'ignored',
  normaliseEmail: false,
  pictureSync: false,
  mobileOverride: 'prefix-swap',
  autoLaunchParamForces: false,
  logoutTarget: 'discovery',
  idTokenHint: false,
  backchannelLogout: false,
  messages: {
    autoRegisterOff: 'User does not exist and auto registering is disabled.',
    linkedToAnother: 'User already exists, but is linked to another account.',
    emailTaken: 'User exists',
  },
};

export const BEHAVIOUR_TABLE: readonly BehaviourRow[] = [
  { range: '>=1.113.0', note: 'openid-client 5, Issuer.discover + client.callback + userinfo', set: {} },
  {
    range: '>=1.132.0',
    note: 'openid-client 6; PKCE S256 and state cookies; client_secret_post; picture sync; regex override',
    set: {
      oidcLibrary: 6,
      stateAndVerifier: true,
      clientRefusesWhenDisabled: false,
      pkceInAuthorize: 'always',
      clientAuth: 'post',
      insecureRequests: 'always',
      quotaClaim: 'numeric',
      pictureSync: true,
      mobileOverride: 'regex',
    },
  },
  { range: '>=1.133.0', note: 'tokenEndpointAuthMethod and timeout settings; login failures logged and wrapped', set: { clientAuth: 'setting', timeout: 'setting', profileErrors: 'wrap' } },
  {
    range: '>=1.135.0',
    note: 'PKCE only with S256 in discovery (blank params); null default quota; ?autoLaunch=1; isOnboarded in login responses',
    set: { pkceInAuthorize: 'blank-unless-s256', quotaZero: 'zero', autoLaunchParamForces: true, isOnboarded: true },
  },
  { range: '>=1.136.0', note: 'roleClaim at creation', set: { role: 'at-creation' } },
  { range: '>=2.0.0', note: 'PKCE params left out without S256', set: { pkceInAuthorize: 'only-with-s256' } },
  { range: '>=2.6.0', note: 'ID-token claims used when they carry email', set: { userinfo: 'unless-id-token-has-email' } },
  { range: '>=2.6.1', note: 'name fallback chain; callback checks enabled', set: { name: 'fallback-chain', callbackChecksEnabled: true } },
  {
    range: '>=3.0.0',
    note: 'zod validation, {message} errors; email normalised; generic failure messages; allowInsecureRequests; endSessionEndpoint; back-channel logout',
    set: {
      errorBody: 'message-only',
      validation: 'zod',
      normaliseEmail: true,
      insecureRequests: 'setting',
      logoutTarget: 'setting-or-discovery',
      backchannelLogout: true,
      messages: {
        autoRegisterOff: 'OAuth authentication failed',
        linkedToAnother: 'OAuth authentication failed',
        emailTaken: 'Email is not available',
      },
    },
  },
  { range: '>=3.1.0', note: 'role claim re-applied on every login; id_token_hint on logout', set: { role: 'every-login', idTokenHint: true } },
  // @immich/sdk 3.2.2 (the server's API types): the same OAuth endpoints and callback/login DTOs as 3.1.0, the
  // config at /api/admin/config with /api/system-config kept, and an optional oauth.accountManagementUrl. How
  // the server behaves inside is not known from any source here: carried over from 3.1.0, expectations unconfirmed.
  { range: '>=3.2.0', note: 'as 3.1.0 (API types of 3.2.2; behaviour unconfirmed)', set: {} },
];

/** The behaviour of a modelled version; anything else is refused with the list of modelled ones. */
export function behaviourFor(version: string): Behaviour {
  if (!(MODELLED_VERSIONS as readonly string[]).includes(version)) {
    throw new Error(
      `the reference photo server does not model Immich "${version}"; modelled versions: ${MODELLED_VERSIONS.join(', ')}`,
    );
  }
  const v = plainVersion(version);
  let out: Behaviour = { ...BASE, messages: { ...BASE.messages } };
  for (const row of BEHAVIOUR_TABLE) {
    if (semver.satisfies(v, row.range)) out = { ...out, ...row.set, messages: { ...out.messages, ...row.set.messages } };
  }
  return out;
}
