import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.js';
import { cell, embeddedSample, failCase, passCase, scenario } from './sample-reports.js';

/** A real stream that records what was written; `isTTY`/`columns` as a terminal would set them. */
function sink(tty: boolean, columns = 100) {
  const s = Object.assign(new PassThrough(), { isTTY: tty, columns });
  const chunks: string[] = [];
  s.on('data', (d: Buffer) => chunks.push(d.toString()));
  return { stream: s, text: () => chunks.join(''), chunks };
}

/** Plays the output on a minimal terminal (cursor up, carriage return, clear to end) and returns the screen. */
function screen(output: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  const re = /\x1b\[(\d*)([AJ])|\r|\n|[^\x1b\r\n]+/g;
  for (const m of output.matchAll(re)) {
    const t = m[0];
    if (m[2] === 'A') row = Math.max(0, row - Number(m[1] || 1));
    else if (m[2] === 'J') lines.splice(row + 1), (lines[row] = '');
    else if (t === '\r') continue; // every write here starts at column 0
    else if (t === '\n') {
      row++;
      if (lines.length <= row) lines.push('');
    } else lines[row] = t;
  }
  return lines.filter((l, i) => i < lines.length - 1 || l !== '');
}

const c = cell('embedded', 'v3.1.0', 'authelia', '4.39.0');
/** A clock the test moves by hand. */
function clock() {
  const c = { t: 0, now: () => c.t };
  return c;
}

describe('progress on a terminal', () => {
  it('redraws one live line per running cell in place and leaves one line per finished cell', () => {
    const out = sink(true);
    const time = clock();
    const p = createProgress(out.stream, [{ cellId: 'A', scenarios: 2 }, { cellId: 'B', scenarios: 1 }], { now: time.now, tty: true });
    p.cellStarting('A');
    p.cellStarting('B');
    expect(screen(out.text())).toEqual(['A  starting…', 'B  starting…', 'cells: 0 of 2 done, 2 running']);
    p.cellReady('A', 3400);
    p.scenarioDone({ ...scenario(c, 'auto-register', 'passed', [passCase('on')]), cellId: 'A' });
    expect(screen(out.text())).toEqual(['A  scenario 1/2 auto-register ✓', 'B  starting…', 'cells: 0 of 2 done, 2 running']);
    p.cellNotRun('B', 'image unavailable');
    expect(screen(out.text())).toEqual(['B  not run: image unavailable', 'A  scenario 1/2 auto-register ✓', 'cells: 1 of 2 done, 1 running']);
    time.t = 6000;
    // The last planned scenario marks the cell done, with its totals; a later cellDone changes nothing.
    p.scenarioDone('A', 2, 2, 'failed');
    p.cellDone('A', { passed: 1, failed: 1, errors: 0, notRun: 0 });
    p.close();
    expect(screen(out.text())).toEqual(['B  not run: image unavailable', 'A  ✗ 1 passed, 1 failed (6.0 s)', 'cells: 2 of 2 done, 0 running']);
    p.cellStarting('late'); // after close: nothing more is written
    expect(screen(out.text())).toHaveLength(3);
  });

  it('cuts lines to the terminal width so a redraw never meets a wrapped line', () => {
    const out = sink(true, 50);
    const p = createProgress(out.stream, { tty: true });
    p.cellStarting('a-very-long-cell-id-that-does-not-fit-in-fifty-columns');
    p.cellReady('a-very-long-cell-id-that-does-not-fit-in-fifty-columns', 10);
    const shown = screen(out.text());
    expect(shown).toEqual(['a-very-long-cell-id-that-does-not-fit-in-fifty-c…']);
    expect([...shown[0]!].length).toBe(49);
  });

  it('takes a usual width when the terminal reports none (0 columns), rather than cutting every line short', () => {
    const out = sink(true, 0);
    const p = createProgress(out.stream, { tty: true });
    const id = 'immich-v3.1.0__authentik-2025.10.4__signing-key__embedded';
    p.cellStarting(id);
    expect(screen(out.text())).toEqual([`${id}  starting…`]);
  });
});

describe('progress in a log', () => {
  it('writes plain lines, one per event, without escape sequences', () => {
    const out = sink(false);
    const time = clock();
    const p = createProgress(out.stream, [{ cellId: c.id, scenarios: 2 }], { now: time.now });
    const r = embeddedSample().cells[1]!;
    p.cellStarting(c.id);
    p.cellReady(c.id, 61_000);
    p.scenarioDone(scenario(c, 'auto-register', 'passed', [passCase('on')]));
    time.t = 125_000;
    p.scenarioDone(scenario(c, 'mobile-redirect', 'failed', [failCase('override=on', { status: 307 }, { status: 500 })]));
    p.cellDone(c.id, r);
    p.interrupted('SIGINT');
    p.close();
    expect(out.text()).not.toContain('\x1b');
    expect(out.text().split('\n')).toEqual([
      `[${c.id}] starting`,
      `[${c.id}] ready in 61.0 s`,
      `[${c.id}] scenario 1/2 auto-register: passed`,
      `[${c.id}] scenario 2/2 mobile-redirect: failed: override=on (mobile): expected 307, observed 500`,
      `[${c.id}] ✗ 1 passed, 1 failed; first failure: mobile-redirect (2 min 5 s) [1/1 cells]`,
      'interrupted by SIGINT: stopping containers and processes',
      '',
    ]);
  });

  it('follows the stream: a terminal gets live lines, a pipe gets plain ones, and CI gets plain ones anyway', () => {
    const ci = process.env.CI;
    delete process.env.CI;
    const tty = sink(true);
    createProgress(tty.stream).cellStarting('x');
    const pipe = sink(false);
    createProgress(pipe.stream).cellStarting('x');
    expect(tty.text()).toBe('x  starting…\n');
    expect(pipe.text()).toBe('[x] starting\n');
    process.env.CI = 'true';
    const ciTty = sink(true);
    createProgress(ciTty.stream).cellStarting('x');
    expect(ciTty.text()).toBe('[x] starting\n');
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
  });
});
