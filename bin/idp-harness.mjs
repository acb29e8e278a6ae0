#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader (no build step).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register } from 'tsx/esm/api';

register(); // tsx keeps its compile cache in the system TMPDIR (tsx-<uid>), made once and reused by every run

// Everything else this process and its children put in TMPDIR (Chromium profiles, Playwright artifacts, the test
// runner's caches) goes into one private directory, removed at exit whatever the way out, Ctrl-C included.
// Short name: Chromium's profile (and its socket) lives below it, and Unix socket paths stop at 108 bytes.
const privateTmp = mkdtempSync(join(tmpdir(), 'ih-'));
process.env.TMPDIR = privateTmp;
process.on('exit', () => rmSync(privateTmp, { recursive: true, force: true }));

await import('../harness/cli/main.ts');
