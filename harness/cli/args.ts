import { parseArgs } from 'node:util';
import { nearest } from '../matrix/errors.js';
import type { Backend } from '../model.js';
import { helpFor, specsOf } from './commands.js';

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

/** `<command> --help`: the CLI prints `text` and exits 0. */
export class HelpRequested extends Error {
  override name = 'HelpRequested';
}

/**
 * A command's arguments, parsed with the options its entry in commands.ts declares (for "serve": those of
 * "serve idp" and "serve photos"). `--help` anywhere prints that entry's help instead.
 */
export function parseCommand(command: string, args: string[]) {
  const specs = specsOf(command);
  if (specs.length === 0) throw new Error(`no command "${command}" in commands.ts`);
  if (args.includes('--help') || args.includes('-h')) {
    const sub = args.find((a) => !a.startsWith('-'));
    const chosen = specs.filter((s) => specs.length === 1 || s.name === `${command} ${sub}`);
    throw new HelpRequested((chosen.length ? chosen : specs).map(helpFor).join('\n\n'));
  }
  const spec: OptionsSpec = {};
  for (const s of specs) for (const [k, o] of Object.entries(s.options)) spec[k] = { type: o.type };
  const { values, positionals } = options(args, spec);
  const strings = Object.fromEntries(Object.entries(values).filter(([, v]) => typeof v === 'string')) as Record<string, string | undefined>;
  return { values: strings, flag: (name: string) => values[name] === true, positionals };
}

/** --backend: auto (where allowed), embedded or docker. */
export function parseBackend(text: string | undefined, allowAuto = true): Backend | 'auto' {
  const value = text ?? (allowAuto ? 'auto' : 'embedded');
  const allowed = allowAuto ? ['auto', 'embedded', 'docker'] : ['embedded', 'docker'];
  if (!allowed.includes(value)) throw new UsageError(`--backend "${value}": use one of ${allowed.join(', ')}`);
  return value as Backend | 'auto';
}
