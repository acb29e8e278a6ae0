import { parseArgs } from 'node:util';

/** A mistake in how the command was called: exit status 2 and a pointer to --help. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type Spec = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

/** parseArgs with the harness's conventions: unknown options are usage errors naming the option. */
export function options(args: string[], spec: Spec) {
  try {
    return parseArgs({ args, options: spec, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
