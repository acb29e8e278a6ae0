import { resolve } from 'node:path';
import type { Backend } from '../model.js';
import { runMatrix } from '../runner/run.js';
import { options, UsageError } from './args.js';

export function parseShard(text: string | undefined): { index: number; count: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new UsageError(`--shard "${text}": use I/N with 1 ≤ I ≤ N, e.g. --shard 2/4`);
  return { index, count };
}

export function parseBackend(text: string | undefined, allowAuto = true): Backend | 'auto' {
  const value = text ?? (allowAuto ? 'auto' : 'embedded');
  const allowed = allowAuto ? ['auto', 'embedded', 'docker'] : ['embedded', 'docker'];
  if (!allowed.includes(value)) throw new UsageError(`--backend "${value}": use one of ${allowed.join(', ')}`);
  return value as Backend | 'auto';
}

export async function runCommand(args: string[]): Promise<number> {
  const { values } = options(args, {
    backend: { type: 'string' },
    out: { type: 'string' },
    immich: { type: 'string' },
    idp: { type: 'string' },
    scenario: { type: 'string' },
    cell: { type: 'string' },
    shard: { type: 'string' },
    baseline: { type: 'string' },
    matrix: { type: 'string' },
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
    shard: parseShard(values.shard),
    baseline: values.baseline,
    images: values.images as 'upstream' | 'local' | undefined,
  });
  return outcome.exitCode;
}
