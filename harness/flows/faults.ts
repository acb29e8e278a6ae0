// A harness fault: the harness could not get the photo server's answer (a step ran past its deadline, the
// browser lost its network, a stack stopped answering). It is never a verdict about the products: reports
// give it a category of its own, with the step, the cell and how long it waited.
import { errors as playwrightErrors } from 'playwright-core';
import { stripAnsi } from '../plain-text.js';

/** Header on an answer the harness's TLS front made itself (the photo server never answered): never a verdict. */
export const FRONT_FAULT_HEADER = 'x-idp-harness-front-fault';

export type FaultKind = 'timeout' | 'network-change' | 'stack-unreachable' | 'browser';

export interface FaultInfo {
  kind: FaultKind;
  /** The step that could not finish, e.g. "web: wait for the photo server's callback answer". */
  step: string;
  /** How long the step waited, in ms. */
  waitedMs: number;
  /** The underlying error's first line. */
  cause: string;
}

export class HarnessFault extends Error {
  override name = 'HarnessFault';
  /** Earlier attempts that ended in a fault too, when the caller retried. */
  retries: string[] = [];
  /** The page when the harness gave up, if one could be taken. */
  screenshot?: Buffer;
  /** The Playwright trace of the login that failed (zip), when it was recorded. */
  trace?: Buffer;
  constructor(readonly info: FaultInfo) {
    super(describeFault(info));
  }
}

export function describeFault(f: FaultInfo): string {
  const what =
    f.kind === 'timeout'
      ? `timed out after ${seconds(f.waitedMs)}`
      : f.kind === 'network-change'
        ? `aborted by a network change after ${seconds(f.waitedMs)}`
        : f.kind === 'stack-unreachable'
          ? `could not reach the stack after ${seconds(f.waitedMs)}`
          : `browser failure after ${seconds(f.waitedMs)}`;
  return `harness fault (${f.kind}) at step "${f.step}": ${what}: ${f.cause}`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export { stripAnsi };

/** What kind of harness fault an error from a browser step is, or undefined when it is not one. */
export function faultKindOf(err: unknown): FaultKind | undefined {
  if (err instanceof HarnessFault) return err.info.kind;
  if (err instanceof playwrightErrors.TimeoutError) return 'timeout';
  const text = err instanceof Error ? err.message : String(err);
  // Chromium aborts loads when a host interface appears or goes (Docker creating a network).
  if (/ERR_NETWORK_CHANGED|ERR_NETWORK_IO_SUSPENDED/.test(text)) return 'network-change';
  if (/ERR_CONNECTION_(REFUSED|RESET|CLOSED)|ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET|fetch failed/.test(text)) return 'stack-unreachable';
  if (/Target (page, context or browser )?(has been )?closed|Browser has been closed|browser has disconnected/i.test(text)) return 'browser';
  return undefined;
}

/**
 * Runs one named step of a login. A harness-side failure becomes a HarnessFault naming the step; any other
 * error (an IdP page the driver does not know, a bug) passes through unchanged.
 */
export async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await fn();
  } catch (err) {
    if (err instanceof HarnessFault) throw err;
    const kind = faultKindOf(err);
    if (!kind) throw err;
    const cause = stripAnsi(err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
    throw new HarnessFault({ kind, step: name, waitedMs: Date.now() - started, cause });
  }
}
