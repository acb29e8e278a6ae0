// Every command and option of the CLI, with its help, in one table: the parser takes its options from here
// and `--help` prints them, so the two cannot disagree. No heavy imports: `--help` and `matrix` stay fast.

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Placeholder of the value in help, e.g. "DIR". */
  value?: string;
  help: string;
}

export interface CommandSpec {
  /** "run", or a subcommand: "serve idp". */
  name: string;
  /** Positional arguments in help, e.g. "DIR...". */
  args?: string;
  about: string;
  options: Record<string, OptionSpec>;
}

const SELECTION: Record<string, OptionSpec> = {
  backend: { type: 'string', value: 'auto|embedded|docker', help: 'where the cells run (auto: docker when every image can be had)' },
  matrix: { type: 'string', value: 'FILE', help: 'the matrix file (default fixtures/matrix.yaml)' },
  immich: { type: 'string', value: 'V,..', help: 'Immich versions, globs allowed (v3.*)' },
  idp: { type: 'string', value: 'NAME[-V][__VARIANT],..', help: 'IdP products, versions or variants (authelia-4.39.*, keycloak-26.7.3__basic)' },
  scenario: { type: 'string', value: 'ID,..', help: 'scenario ids' },
  cell: { type: 'string', value: 'ID,..', help: 'cell ids, globs allowed' },
};

export const COMMANDS: CommandSpec[] = [
  {
    name: 'run',
    about: 'run the selected cells and scenarios, write results.json, report.md, report.html and junit.xml',
    options: {
      ...SELECTION,
      out: { type: 'string', value: 'DIR', help: 'where the reports go (default reports/<time>); refused while another run writes there' },
      shard: { type: 'string', value: 'I/N', help: 'run shard I of N of the selected cells' },
      baseline: { type: 'string', value: 'results.json', help: 'fail only on regressions and lost coverage against an earlier run' },
      expectations: { type: 'string', value: 'FILE', help: 'the expectations file (default fixtures/expectations.yaml)' },
      images: { type: 'string', value: 'upstream|local', help: 'local: the docker path with images built here (reference model; real Keycloak)' },
      'allow-not-run': { type: 'boolean', help: 'a docker cell whose image cannot be had does not fail the run' },
      'timeout-scale': { type: 'string', value: 'X', help: 'multiply every step deadline (30 s) by X, for slow machines' },
      logins: { type: 'string', value: 'N', help: 'browser logins at once (default: cores - 1)' },
    },
  },
  {
    name: 'up',
    about: "one cell's stack, kept running until Ctrl-C, with a user to log in as by hand",
    options: {
      cell: { type: 'string', value: 'ID', help: 'the cell (see "idp-harness matrix")' },
      backend: SELECTION.backend!,
      matrix: SELECTION.matrix!,
      images: { type: 'string', value: 'upstream|local', help: 'as for run' },
    },
  },
  {
    name: 'serve idp',
    about: 'the embedded provider alone, with a product profile, until Ctrl-C',
    options: {
      idp: { type: 'string', value: 'authelia|authentik|keycloak', help: 'the profile (default authentik)' },
      version: { type: 'string', value: 'V', help: "the product version whose profile to use (default: the product's newest modelled one)" },
      'encryption-key': { type: 'boolean', help: 'encrypt ID tokens (authentik profiles)' },
      'no-signing-key': { type: 'boolean', help: 'sign ID tokens HS256 with the client secret (authentik profiles)' },
      'auth-method': { type: 'string', value: 'client_secret_basic|client_secret_post', help: 'the demo client’s token-endpoint auth method' },
      port: { type: 'string', value: 'P', help: 'listen on this loopback port (default: any free one)' },
    },
  },
  {
    name: 'serve photos',
    about: 'the reference model of one Immich version alone, until Ctrl-C',
    options: {
      version: { type: 'string', value: 'vX.Y.Z', help: 'the modelled Immich version (required)' },
      port: { type: 'string', value: 'P', help: 'listen on this loopback port (default: any free one)' },
    },
  },
  {
    name: 'matrix',
    about: 'list the selected cells, or print them as a GitHub Actions strategy matrix',
    options: {
      ...SELECTION,
      format: { type: 'string', value: 'list|github', help: 'list (default): one cell per line; github: JSON with shards' },
      shards: { type: 'string', value: 'N', help: 'shards in the github format (default 4)' },
    },
  },
  {
    name: 'report merge',
    args: 'DIR...',
    about: "merge the shards' results into one report",
    options: {
      out: { type: 'string', value: 'DIR', help: 'where the merged reports go (default reports/merged)' },
      baseline: { type: 'string', value: 'results.json', help: 'exit 1 only on regressions against it' },
      'allow-missing-shards': { type: 'boolean', help: 'merge what arrived when shards of the plan are missing (refused otherwise)' },
    },
  },
  {
    name: 'report site',
    args: 'results.json...',
    about: 'a static site of the newest verdict per cell, each with its history across the given dated runs and its evidence',
    options: {
      out: { type: 'string', value: 'DIR', help: 'where the site goes (default reports/site)' },
    },
  },
  {
    name: 'report diff',
    args: 'OLD.json NEW.json',
    about: 'what changed between two runs, as Markdown; exit 1 on a regression',
    options: {},
  },
];

const byName = new Map(COMMANDS.map((c) => [c.name, c]));

/** The spec(s) of a command: "serve" answers both "serve idp" and "serve photos". */
export function specsOf(command: string): CommandSpec[] {
  const exact = byName.get(command);
  return exact ? [exact] : COMMANDS.filter((c) => c.name.startsWith(`${command} `));
}

function synopsis(c: CommandSpec): string {
  const opts = Object.entries(c.options).map(([k, o]) => (o.type === 'boolean' ? `[--${k}]` : `[--${k} ${o.value ?? 'X'}]`));
  return [`idp-harness ${c.name}`, ...(c.args ? [c.args] : []), ...opts].join(' ');
}

/** Help of one command: what it does, its synopsis, one line per option. */
export function helpFor(c: CommandSpec): string {
  const rows = Object.entries(c.options).map(([k, o]) => [`--${k}${o.type === 'boolean' ? '' : ` ${o.value ?? 'X'}`}`, o.help] as const);
  const width = Math.max(0, ...rows.map(([flag]) => flag.length));
  return [
    `idp-harness ${c.name}${c.args ? ` ${c.args}` : ''} — ${c.about}`,
    '',
    ...(rows.length ? ['Options:', ...rows.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`)] : ['No options.']),
    '  --help'.padEnd(width + 2) + '  this help',
  ].join('\n');
}

export const EXIT_HELP = `Exit status: 0 every case judged as expected; 1 a verdict differs (with --baseline: a regression or lost
coverage), a docker cell could not run, or nothing was judged; 2 bad input; 3 harness faults only.`;

/** The top-level usage: every command's synopsis. */
export function usage(version: string): string {
  return [
    `idp-harness ${version} — Immich OAuth/OIDC login across IdP and Immich versions`,
    '',
    'Usage:',
    ...COMMANDS.map((c) => `  ${synopsis(c)}`),
    '  idp-harness --version',
    '',
    'Run "idp-harness <command> --help" for what each option does.',
    '',
    EXIT_HELP,
  ].join('\n');
}
