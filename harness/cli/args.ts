import { parseArgs } from 'node:util';

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
    throw new UsageError((err as Error).message);
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
