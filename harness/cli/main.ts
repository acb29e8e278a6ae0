// idp-harness command line: run | serve idp | serve photos | matrix | report merge | report diff
import { readFileSync } from 'node:fs';
import { INPUT_ERRORS, UsageError } from './args.js';
import { usage } from './commands.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;




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
    process.stdout.write(`${usage(VERSION)}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`idp-harness ${VERSION}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command "${name}"; commands: ${Object.keys(commands).join(', ')}`);
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    if (err.name === 'HelpRequested') {
      process.stdout.write(`${err.message}\n`);
      process.exit(0);
    }
    const usage = err instanceof UsageError;
    process.stderr.write(`idp-harness: ${err.message}${usage ? '\nRun "idp-harness --help" for usage.' : ''}\n`);
    process.exit(INPUT_ERRORS.has(err.name) ? 2 : 1);
  },
);
