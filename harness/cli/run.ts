import { resolve } from 'node:path';
import type { Backend } from '../model.js';
import { parseShard } from '../matrix/shard.js';
import { runMatrix } from '../runner/run.js';
import { options, SELECTION_OPTIONS, UsageError } from './args.js';

/** `--shard I/N` as a usage error (exit 2) when malformed; the parsing itself is the matrix module's. */
export function shardOption(text: string | undefined): { index: number; count: number } | undefined {
  if (text === undefined) return undefined;
  try {
    return parseShard(text);
  } catch (err) {
    throw new UsageError(`--shard: ${(err as Error).message}`);
  }
}

export function parseBackend(text: string | undefined, allowAuto = true): Backend | 'auto' {
  const value = text ?? (allowAuto ? 'auto' : 'embedded');
  const allowed = allowAuto ? ['auto', 'embedded', 'docker'] : ['embedded', 'docker'];
  if (!allowed.includes(value)) throw new UsageError(`--backend "${value}": use one of ${allowed.join(', ')}`);
  return value as Backend | 'auto';
}

export async function runCommand(args: string[]): Promise<number> {
  const { values } = options(args, {
    ...SELECTION_OPTIONS,
    out: { type: 'string' },
    shard: { type: 'string' },
    baseline: { type: 'string' },
    expectations: { type: 'string' },
    images: { type: 'string' },
  });
  if (values.images !== undefined && values.images !== 'upstream' && values.images !== 'local') {
    throw new UsageError(`--images "${values.images}": use upstream (the real products) or local (the models, from a locally built image)`);
  }
  const outcome = await runMatrix({
    backend: parseBackend(values.backend),
    outDir: resolve((values.out) ?? 'reports'),
    matrixFile: values.matrix,
    expectationsFile: values.expectations,
    filters: {
      immich: values.immich,
      idp: values.idp,
      scenario: values.scenario,
      cell: values.cell,
    },
    shard: shardOption(values.shard),
    baseline: values.baseline,
    images: values.images as 'upstream' | 'local' | undefined,
  });
  return outcome.exitCode;
}
