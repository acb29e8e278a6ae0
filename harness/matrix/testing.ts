// Test helpers: copies of the real fixtures with one mistake put in, written to a temporary folder.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultExpectationsPath } from './expectations.js';
import { defaultMatrixPath } from './matrix.js';

export const realMatrix = readFileSync(defaultMatrixPath, 'utf8');
export const realExpectations = readFileSync(defaultExpectationsPath, 'utf8');

export class Scratch {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'idp-harness-matrix-'));
  private count = 0;

  /** Writes `text` to a new file and returns its path. */
  write(text: string, name = 'fixture.yaml'): string {
    const file = path.join(this.dir, `${++this.count}-${name}`);
    writeFileSync(file, text);
    return file;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `before` replaced by `after` exactly once; fails loudly if `before` is not there once. */
export function edit(text: string, before: string, after: string): string {
  const first = text.indexOf(before);
  if (first < 0 || text.indexOf(before, first + 1) >= 0) throw new Error(`edit: expected exactly one "${before}"`);
  return text.slice(0, first) + after + text.slice(first + before.length);
}

/** 1-based line and column of the first `needle` in `text` (plus `shift` characters into it). */
export function positionOf(text: string, needle: string, shift = 0): { line: number; col: number } {
  const offset = text.indexOf(needle);
  if (offset < 0) throw new Error(`positionOf: "${needle}" not found`);
  const before = text.slice(0, offset + shift).split('\n');
  return { line: before.length, col: before.at(-1)!.length + 1 };
}
