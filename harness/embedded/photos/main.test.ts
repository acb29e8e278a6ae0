// The process entry point the docker backend runs: env in, one JSON ready line out, clean exit on SIGTERM.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { startReferencePhotos } from './index.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

describe('reference photo server process', () => {
  it('prints a ready line, answers ping and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: { ...process.env, IMMICH_MODEL_VERSION: 'v2.7.5', PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
      const ready = JSON.parse(line) as { ready: boolean; url: string; port: number; name: string };
      expect(ready).toMatchObject({ ready: true, name: 'reference model of Immich v2.7.5' });
      expect(ready.url).toBe(`http://photos.harness.test:${ready.port}`);
      const res = await request(`http://127.0.0.1:${ready.port}/api/server/ping`);
      expect(await res.body.json()).toEqual({ res: 'pong' });
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses a version it does not model and lists the ones it does', async () => {
    await expect(startReferencePhotos({ version: 'v1.999.0' })).rejects.toThrow(
      /does not model Immich "v1\.999\.0"; modelled versions: v1\.113\.0, v1\.132\.3, v2\.7\.5, v3\.1\.0/,
    );
  });
});
