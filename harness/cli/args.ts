import { parseArgs } from 'node:util';
import { nearest } from '../matrix/errors.js';

type OptionsSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

/** A mistake in how the command was called: exit status 2 and a pointer to --help. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Input the command cannot use (a file, a directory, a port): exit status 2, the message names the fix. */
export class InputError extends Error {
  override name = 'InputError';
}

/** Errors that are the caller's to fix: the CLI exits 2 for them, before anything has started. */
export const INPUT_ERRORS = new Set(['UsageError', 'InputError', 'MatrixError', 'SelectionError', 'ReportError']);

/** parseArgs with the harness's conventions: unknown options are usage errors naming the option. */
export function options<const T extends OptionsSpec>(args: string[], spec: T) {
  try {
    return parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>({ args, options: spec, allowPositionals: true, strict: true });
  } catch (err) {
    const message = (err as Error).message.split('\n')[0]!;
    const unknown = /Unknown option '--([^']+)'/.exec(message)?.[1];
    const close = unknown === undefined ? undefined : nearest(unknown, Object.keys(spec));
    if (unknown === undefined) throw new UsageError(message);
    // Node's own text goes on about positional arguments; the option and the nearest valid one say it all.
    const hint = close ? `did you mean --${close}?` : `options: ${Object.keys(spec).map((k) => `--${k}`).join(', ')}`;
    throw new UsageError(`Unknown option '--${unknown}'; ${hint}`);
  }
}

/** The options that choose cells, the same for every command that takes them. */
export const SELECTION_OPTIONS = {
  backend: { type: 'string' },
  matrix: { type: 'string' },
  immich: { type: 'string' },
  idp: { type: 'string' },
  scenario: { type: 'string' },
  cell: { type: 'string' },
} as const;
