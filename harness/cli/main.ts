// idp-harness command line: run | serve idp | serve photos | matrix | report merge | report diff
import { INPUT_ERRORS, UsageError } from './args.js';

const USAGE = `idp-harness — Immich OAuth/OIDC login across IdP and Immich versions

Usage:
  idp-harness run [--backend auto|embedded|docker] [--out DIR] [--immich V,..] [--idp NAME[-V],..]
                  [--scenario ID,..] [--cell ID,..] [--shard I/N] [--baseline results.json]
                  [--matrix FILE] [--expectations FILE] [--images upstream|local]
                  [--allow-not-run] [--timeout-scale X] [--logins N]
  idp-harness serve idp [--idp authelia|authentik] [--version V] [--encryption-key] [--no-signing-key]
                        [--auth-method client_secret_basic|client_secret_post] [--port P]
  idp-harness serve photos --version vX.Y.Z
  idp-harness up --cell ID [--backend B]       one cell's stack, kept running until Ctrl-C
  idp-harness matrix [--format github|list] [--backend B] [--shards N] [filters]
  idp-harness report merge DIR... [--out DIR]
  idp-harness report diff OLD.json NEW.json

Exit status: 0 every case judged as expected; 1 a verdict differs (with --baseline: a regression or lost
coverage), a docker cell could not run, or nothing was judged; 2 bad input; 3 harness faults only.`;


// Loaded on demand: `matrix` and `report` should not pay for the servers' imports.
const commands: Record<string, (args: string[]) => Promise<number>> = {
  run: async (args) => (await import('./run.js')).runCommand(args),
  serve: async (args) => (await import('./serve.js')).serveCommand(args),
  up: async (args) => (await import('./up.js')).upCommand(args),
  matrix: async (args) => (await import('./matrix.js')).matrixCommand(args),
  report: async (args) => (await import('./report.js')).reportCommand(args),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command "${name}"; commands: ${Object.keys(commands).join(', ')}`);
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    const usage = err instanceof UsageError;
    process.stderr.write(`idp-harness: ${err.message}${usage ? '\nRun "idp-harness --help" for usage.' : ''}\n`);
    process.exit(INPUT_ERRORS.has(err.name) ? 2 : 1);
  },
);
