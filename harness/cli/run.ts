import { resolve } from 'node:path';
import { parseShard } from '../matrix/shard.js';
import { runMatrix } from '../runner/run.js';
import { parseBackend, parseCommand, UsageError } from './args.js';

/** `--shard I/N` as a usage error (exit 2) when malformed; the parsing itself is the matrix module's. */
export function shardOption(text: string | undefined): { index: number; count: number } | undefined {
  if (text === undefined) return undefined;
  try {
    return parseShard(text);
  } catch (err) {
    throw new UsageError(`--shard: ${(err as Error).message}`);
  }
}


export async function runCommand(args: string[]): Promise<number> {
  const { values, flag } = parseCommand('run', args);
  if (values['timeout-scale'] !== undefined) {
    const scale = Number(values['timeout-scale']);
    if (!Number.isFinite(scale) || scale <= 0) throw new UsageError(`--timeout-scale "${values['timeout-scale']}": give a positive number, e.g. 2 for twice the default deadlines`);
    process.env.IDP_HARNESS_TIMEOUT_SCALE = String(scale);
  }
  if (values.logins !== undefined) {
    const n = Number(values.logins);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--logins "${values.logins}": give how many browser logins may run at once, e.g. 2`);
    process.env.IDP_HARNESS_LOGINS = String(n);
  }
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
    allowNotRun: flag('allow-not-run'),
    images: values.images as 'upstream' | 'local' | undefined,
  });
  return outcome.exitCode;
}
