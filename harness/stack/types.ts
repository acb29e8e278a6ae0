// A stack is one matrix cell brought up: an IdP and a photo server that reach each other, the browser and
// the harness by the same URLs. The owner (the runner) holds a Stack; scenarios (in vitest workers) get
// its serialisable StackInfo and build their clients from it.
import type { Cell, CellProvenance, NotRunKind } from '../model.js';

/** How a worker drives the IdP's users and clients. */
export type IdpControlInfo =
  | { kind: 'http'; url: string; token: string } // the embedded provider's control API
  | ({ kind: string } & Record<string, unknown>); // a real product's: kind is its id, the rest is its own (products/<id>/)

export interface StackInfo {
  cell: Cell;
  provenance: CellProvenance;
  /** Set when the cell could not be started: every scenario of it is reported "not run" with this reason. */
  notRun?: string;
  notRunKind?: NotRunKind;
  readyMs?: number;
  /** Images the stack ran, with digests when known (for the report). */
  images?: { name: string; digest?: string; id?: string }[];
  /** Ids of the scenarios this cell runs (from the matrix). */
  scenarios: string[];
  /** The run CA (public certificate) every party trusts. */
  caPem: string;
  photos: {
    url: string; // https://photos.harness.test:<port>, as the browser and the harness reach it
    version: string; // the Immich version (modelled or real)
    admin: { email: string; password: string; token: string };
  };
  idp: {
    origin: string; // https://auth.harness.test:<port>
    /** 'embedded' or the IdP product's id. */
    driver: string;
    version: string;
    control: IdpControlInfo;
  };
}

export interface Stack {
  info: StackInfo;
  /** Logs of every process/container of the stack, name → text (tails are cut by the reporter). */
  logs(): Record<string, string>;
  stop(): Promise<void>;
}
