// `idp-harness up --cell ID`: one cell's whole stack, kept running for a contributor until Ctrl-C:
// URLs, where the admin's and the CA's files are, how to start a browser that trusts it, and its logs.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromiumArgs } from '../browser/launch.js';
import { expandCells, loadMatrix, scenariosFor, selectCells } from '../matrix/index.js';
import { imagesFor } from '../../containers/images.js';
import type { Backend, Cell } from '../model.js';
import { Cleanup, cleanupOnSignals } from '../run-dir.js';
import { bringUp } from '../runner/environment.js';
import { chooseBackend } from '../runner/backend.js';
import { withLocalImages } from '../runner/local-images.js';
import { StackClient } from '../stack/client.js';
import { parseBackend, parseCommand, UsageError } from './args.js';

export async function upCommand(args: string[]): Promise<number> {
  const { values } = parseCommand('up', args);
  if (!values.cell) throw new UsageError('up needs --cell ID (see "idp-harness matrix" for the ids)');
  const matrix = loadMatrix(values.matrix);
  const pick = (cells: Cell[]) => (values.images === 'local' ? withLocalImages(cells) : cells);
  // auto picks docker only when every image of this one cell can be had.
  const dockerImages = (): string[] | { none: string } => {
    try {
      const cells = pick(selectCells(expandCells(matrix, 'docker'), { cell: values.cell }, matrix));
      return cells.length === 1 ? imagesFor(cells[0]!) : { none: `--cell "${values.cell}" names ${cells.length} docker cells` };
    } catch (err) {
      return { none: (err as Error).message };
    }
  };
  const backend: Backend = await chooseBackend(parseBackend(values.backend), process.stdout, dockerImages);
  const cells = selectCells(expandCells(matrix, backend), { cell: values.cell }, matrix);
  if (cells.length !== 1) throw new UsageError(`--cell "${values.cell}" matches ${cells.length} cells; name exactly one`);
  const cell = pick(cells)[0]!;

  const cleanup = new Cleanup();
  cleanupOnSignals(cleanup, () => process.stdout.write('\nstopping and removing the stack…\n'));
  // No browser of our own: the contributor brings theirs (the command line is printed below).
  const env = await bringUp(backend, [{ cell, scenarios: scenariosFor(cell, matrix) }], { cleanup, browser: false });
  const [info] = env.infos;
  const stack = env.stacks[0];
  if (!info || info.notRun || !stack) {
    await cleanup.run();
    throw new Error(`cell ${cell.id} could not be started: ${info?.notRun ?? 'unknown reason'}`);
  }
  const admin = join(env.runDir, 'photos-admin.txt');
  writeFileSync(admin, `email: ${info.photos.admin.email}\npassword: ${info.photos.admin.password}\n`, { mode: 0o600 });
  // Ready to log in by hand: OAuth configured on the photo server for a new client, and an IdP user.
  const client = new StackClient(info);
  await client.useOAuth({ autoRegister: true });
  const user = await client.createUser({ username: 'demo', name: 'Demo User', claims: { immich_quota: 10, immich_role: 'user' } });
  const demo = join(env.runDir, 'idp-user.txt');
  writeFileSync(demo, `username: ${user.username}\npassword: ${user.password}\n${user.totpSecret ? `totp secret: ${user.totpSecret}\n` : ''}`, {
    mode: 0o600,
  });
  const dumpLogs = () => {
    for (const [name, text] of Object.entries(stack.logs())) writeFileSync(join(env.runDir, `${name}.log`), text);
  };
  const timer = setInterval(dumpLogs, 2_000);
  cleanup.add('log dump', () => clearInterval(timer));
  process.stdout.write(
    [
      `cell:        ${cell.id} (${info.provenance.photos} × ${info.provenance.idp})`,
      `photos:      ${info.photos.url}/auth/login  (OAuth on, auto-register on; admin credentials in ${admin})`,
      `idp user:    credentials in ${demo}`,
      `idp:         ${info.idp.origin}`,
      `CA:          ${env.ca.certPath}`,
      `logs:        ${env.runDir}/*.log (refreshed every 2 s)`,
      `browser:     chromium ${chromiumArgs({ spkiHashes: env.ca.spkiHashes() }).filter((a) => a.startsWith('--host') || a.startsWith('--ignore')).map((a) => `'${a}'`).join(' ')} --user-data-dir=$(mktemp -d)`,
      'running; press Ctrl-C to stop and remove everything',
      '',
    ].join('\n'),
  );
  await new Promise(() => {});
  return 0;
}
