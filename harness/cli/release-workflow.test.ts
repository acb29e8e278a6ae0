// The release workflow users copy (docs/ci/immich-release.yml): valid for GitHub Actions (actionlint), and it
// calls the CLI only with commands and options the CLI has.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../runner/run.js';
import { COMMANDS } from './commands.js';

const WORKFLOW = join(ROOT, 'docs/ci/immich-release.yml');

describe('the release workflow', () => {
  it('passes actionlint', (ctx) => {
    const found = spawnSync('actionlint', ['-version'], { encoding: 'utf8' });
    if (found.error) {
      if (process.env.CI) throw new Error('CI needs actionlint (.ci/run installs it with go install)');
      ctx.skip();
    }
    const r = spawnSync('actionlint', [WORKFLOW], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('calls only commands and options the CLI has, and passes the baseline to the shard runs and the merge', () => {
    const text = readFileSync(WORKFLOW, 'utf8');
    const calls = [...text.matchAll(/node bin\/idp-harness\.mjs ([^\n]+)/g)].map((m) => m[1]!);
    expect(calls.length).toBeGreaterThanOrEqual(4);
    for (const call of calls) {
      const words = call.split(/\s+/);
      const spec = COMMANDS.find((c) => words.slice(0, c.name.split(' ').length).join(' ') === c.name);
      expect(spec, call).toBeDefined();
      for (const option of call.match(/--[a-z-]+/g) ?? []) expect(Object.keys(spec!.options), `${call}: ${option}`).toContain(option.slice(2));
    }
    expect(calls.some((c) => c.startsWith('run ') && c.includes('"${baseline[@]}"'))).toBe(true);
    expect(calls.some((c) => c.startsWith('report merge') && c.includes('"${baseline[@]}"'))).toBe(true);
    expect(calls.some((c) => c.startsWith('report diff'))).toBe(true);
  });
});
