// The shared vocabulary of idp-harness: cells, outcomes, verdicts and reports.
// Everything here is plain data (JSON-serialisable) so it can cross process boundaries
// (vitest global setup -> workers, CI shards -> merge).

export type Backend = 'embedded' | 'docker';
/** The id of an IdP product: its folder under products/ ("authelia", "authentik", "keycloak"). */
export type IdpProduct = string;
export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post';

/** IdP provider settings worth testing; a named variant in the matrix picks a combination. */
export interface IdpSettings {
  /** authentik: provider has an RSA signing key (RS256). Without it, ID tokens are HS256 with the client secret. */
  signingKey?: boolean;
  /** authentik: provider has an encryption key, so ID tokens are JWE. */
  encryptionKey?: boolean;
  /** Authelia 4.39: a claims policy that puts profile/email claims back in the ID token. */
  claimsInIdToken?: boolean;
  /** Authelia: the token-endpoint auth method registered for the client. */
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  /** The embedded oidc-provider: forges what a broken or hostile IdP sends when a client asks (NewIdpClient.forge). */
  forgesTokens?: boolean;
}

/**
 * One matrix cell: a photo server version x an IdP version and settings, on one backend.
 * On the embedded backend the photo server is the reference model of that Immich version and the
 * IdP is the embedded provider's profile of that product/version: never the real product.
 */
export interface Cell {
  id: string;
  backend: Backend;
  immich: string; // e.g. "v3.1.0"
  idp: {
    product: IdpProduct | 'oidc-provider';
    version: string; // e.g. "4.39.0", "2025.10.4"; for oidc-provider the embedded profile name
    variant: string; // name of the settings variant, e.g. "default", "no-signing-key"
    settings: IdpSettings;
  };
  /**
   * docker backend only: which implementations run in the containers. 'upstream' (default): the real Immich,
   * Authelia and authentik images. 'local': the reference model of Immich and the embedded provider's profile
   * of the IdP, both from the locally built image (for machines that cannot pull images).
   */
  images?: 'upstream' | 'local';
}

/** What one login (or API call) produced, as the photo server answered it. */
export interface Outcome {
  status: number;
  message?: string;
  /** Fields of the resulting user or other facts the scenario checked, e.g. {name: "Alice"}. */
  facts?: Record<string, unknown>;
}

export type Flow = 'web' | 'mobile' | 'mobile-override' | 'api';

/** One expected-vs-observed comparison inside a scenario. */
export interface CaseVerdict {
  case: string; // e.g. "autoRegister=off"
  flow: Flow;
  expected: Outcome;
  observed: Outcome;
  pass: boolean;
  /** Extra evidence (library error text from logs, redirect URL...) */
  detail?: string;
  /** Harness faults after which the login was started again from a clean browser state. */
  retries?: string[];
  /**
   * The case has a known upstream bug: `reproduces` when the product answered as the bug makes it (a pass: the
   * bug is known), false when it answered as expected (a pass too, flagged: the fix may have landed).
   */
  knownBug?: { link: string; reproduces: boolean };
  /** Why the expectation is not confirmed by any source or run for this cell (absent: confirmed). */
  unconfirmed?: string;
}

/** Why the harness could not judge: a step past its deadline, a network change, a stack that stopped answering. */
export interface HarnessFaultInfo {
  kind: 'timeout' | 'network-change' | 'stack-unreachable' | 'browser' | 'harness';
  step: string;
  waitedMs: number;
  cause: string;
  retries?: string[];
}

/** "error" is a harness fault: a scenario the harness could not judge (reports call it that). */
export type ScenarioStatus = 'passed' | 'failed' | 'not-run' | 'error';

export interface ScenarioResult {
  cellId: string;
  scenario: string; // scenario id, e.g. "auto-register"
  title: string;
  status: ScenarioStatus;
  /** For not-run / error: why (e.g. "image ghcr.io/...:v1 unavailable (pull refused)"). */
  reason?: string;
  /** status "error": the harness could not judge the rest of the scenario; never the photo server's answer. */
  fault?: HarnessFaultInfo;
  cases: CaseVerdict[];
  durationMs: number;
  artifacts?: {
    screenshots?: string[]; // paths relative to the report directory
    traces?: string[];
    logs?: Record<string, string>; // container/process name -> tail of its log
  };
}

/** Who produced a verdict: names the implementation, so an embedded verdict never reads as one about Immich. */
export interface CellProvenance {
  photos: string; // "Immich v3.1.0 (ghcr.io/immich-app/immich-server:v3.1.0)" or "reference model of Immich v3.1.0"
  idp: string; // "Authelia 4.39.0 (docker.io/authelia/authelia:4.39.0)" or "embedded oidc-provider, Authelia 4.39 profile"
}

export type NotRunKind = 'image-unavailable' | 'start-failed';

export interface CellReport {
  cell: Cell;
  provenance: CellProvenance;
  status: 'ran' | 'not-run';
  reason?: string;
  /** image-unavailable: an image could be neither found nor pulled (--allow-not-run accepts it); start-failed: anything else. */
  notRunKind?: NotRunKind;
  readyMs?: number;
  results: ScenarioResult[];
}

export const REPORT_SCHEMA_VERSION = 1;

export interface RunReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  harnessVersion: string;
  startedAt: string; // ISO
  finishedAt: string; // ISO
  backend: Backend;
  /** planCells: every cell of the selection before sharding, so a merge can tell a missing shard. */
  shard?: { index: number; count: number; planCells?: string[] };
  /** Set on the partial report a Ctrl-C leaves: only the scenarios that finished are in it. */
  interrupted?: boolean;
  /** digest: the registry's; id: the engine's image ID (a locally built image has an id and no digest). */
  images: { name: string; digest?: string; id?: string }[];
  cells: CellReport[];
}
