// Runs one docker stack in its own process until SIGINT/SIGTERM, with the runner's cleanup wiring.
// Prints {"runId":...} at once and {"ready":...} once the stack is up. Used to check that Ctrl-C while a
// stack is starting leaves nothing behind; also handy by hand:
//   npx tsx harness/docker/stack-child.ts '{"id":"c","backend":"docker","images":"local","immich":"v3.1.0",
//     "idp":{"product":"oidc-provider","version":"plain","variant":"default","settings":{}}}'
import { basename, join } from 'node:path';
import { createCa } from '../ca/ca.js';
import type { Cell } from '../model.js';
import { Cleanup, cleanupOnSignals, makeRunDir, removeDir } from '../run-dir.js';
import { startDockerStack } from '../stack/docker.js';

const cell = JSON.parse(process.argv[2] ?? '') as Cell;
const cleanup = new Cleanup();
cleanupOnSignals(cleanup);
const runDir = makeRunDir();
cleanup.add('run directory', () => removeDir(runDir));
process.stdout.write(`${JSON.stringify({ runId: basename(runDir) })}\n`);
const ca = createCa(join(runDir, 'ca'));
startDockerStack(cell, ca, [], runDir).then(
  (stack) => {
    cleanup.add('stack', () => stack.stop());
    process.stdout.write(`${JSON.stringify({ ready: true, photos: stack.info.photos.url, idp: stack.info.idp.origin })}\n`);
  },
  async (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    await cleanup.run();
    process.exit(1);
  },
);
