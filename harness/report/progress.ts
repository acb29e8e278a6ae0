// Progress of a long run. On a terminal: one live line per running cell, redrawn in place, above a
// footer counting cells; a finished cell leaves one permanent line. Elsewhere (CI logs): one plain line
// per event, nothing redrawn, so the log reads top to bottom.
import type { CellReport, ScenarioResult, ScenarioStatus } from '../model.js';
import { cellVerdict, countCell, durationText, scenarioMessage, type CellCounts } from './view.js';

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Force terminal (live) or plain output; default: the stream's isTTY. */
  tty?: boolean;
  now?: () => number;
}

/** A cell the run means to start, and how many scenarios it will run (gives "k/n" and the footer). */
export interface PlannedCell {
  cellId: string;
  scenarios: number;
}

export interface Progress {
  cellStarting(cellId: string): void;
  cellReady(cellId: string, ms: number): void;
  cellNotRun(cellId: string, reason: string): void;
  /** k of n; with only a result, k counts the cell's results so far and n comes from the plan. */
  scenarioDone(result: ScenarioResult): void;
  scenarioDone(cellId: string, k: number, n: number, result: ScenarioResult | ScenarioStatus): void;
  cellDone(cellId: string, summary: CellReport | CellCounts | string): void;
  /** A signal arrived; says so, since cleanup may take a while. */
  interrupted(signal: string): void;
  close(): void;
}

const MARK: Record<ScenarioStatus, string> = { passed: '✓', failed: '✗', error: '✗', 'not-run': '–' };

function countsText(n: CellCounts): string {
  const parts = [`${n.passed} passed`];
  if (n.failed) parts.push(`${n.failed} failed`);
  if (n.errors) parts.push(`${n.errors} harness fault${n.errors === 1 ? "" : "s"}`);
  if (n.notRun) parts.push(`${n.notRun} not run`);
  return `${n.failed + n.errors ? '✗' : '✓'} ${parts.join(', ')}`;
}

function summaryText(s: CellReport | CellCounts | string): string {
  if (typeof s === 'string') return s;
  if ('cell' in s) {
    const v = cellVerdict(s);
    if (v.kind === 'not-run') return `not run: ${v.reason}`;
    const text = countsText(countCell(s));
    return v.kind === 'fail' ? `${text}; first failure: ${v.scenario.scenario}` : text;
  }
  return countsText(s);
}

interface CellState {
  text: string;
  startedAt: number;
  done: number;
  counts: CellCounts;
  firstFailure?: string;
}

export function createProgress(stream: ProgressStream, plan?: readonly PlannedCell[] | ProgressOptions, options?: ProgressOptions): Progress {
  const planned = Array.isArray(plan) ? (plan as readonly PlannedCell[]) : [];
  const opts = (Array.isArray(plan) ? options : (plan as ProgressOptions | undefined)) ?? {};
  // CI logs are read top to bottom, even when the runner gives the job a terminal.
  const tty = opts.tty ?? (stream.isTTY === true && !process.env.CI);
  const now = opts.now ?? Date.now;
  const totals = new Map(planned.map((p) => [p.cellId, p.scenarios]));
  const live = new Map<string, CellState>(); // cells started and not finished, in start order
  let finished = 0;
  let drawn = 0; // lines of the live block currently on screen
  let closed = false;

  const fit = (line: string): string => {
    // A wrapped line would throw off the cursor-up count of the next redraw.
    // A terminal that reports no sensible width (0 columns under some CI runners) gets a usual one.
    const columns = stream.columns !== undefined && stream.columns >= 40 ? stream.columns : 100;
    const width = columns - 1;
    const chars = [...line];
    return chars.length <= width ? line : `${chars.slice(0, width - 1).join('')}…`;
  };

  const footer = (): string[] =>
    planned.length ? [`cells: ${finished} of ${planned.length} done, ${live.size} running`] : [];

  const redraw = (permanent: string[] = []): void => {
    let out = drawn > 0 ? `\x1b[${drawn}A\r\x1b[J` : '';
    for (const p of permanent) out += `${fit(p)}\n`;
    const lines = [...[...live].map(([id, c]) => `${id}  ${c.text}`), ...footer()];
    for (const l of lines) out += `${fit(l)}\n`;
    drawn = lines.length;
    stream.write(out);
  };

  const state = (cellId: string): CellState => {
    let c = live.get(cellId);
    if (!c) {
      c = { text: '', startedAt: now(), done: 0, counts: { passed: 0, failed: 0, errors: 0, notRun: 0 } };
      live.set(cellId, c);
    }
    return c;
  };

  const update = (cellId: string, text: string, plain: string): void => {
    if (closed) return;
    state(cellId).text = text;
    if (tty) redraw();
    else stream.write(`[${cellId}] ${plain}\n`);
  };

  const finished_ = new Set<string>();
  const finish = (cellId: string, text: string): void => {
    if (closed || finished_.has(cellId)) return; // a cell is marked done once
    finished_.add(cellId);
    live.delete(cellId);
    finished++;
    const of = planned.length ? ` [${finished}/${planned.length} cells]` : '';
    if (tty) redraw([`${cellId}  ${text}`]);
    else stream.write(`[${cellId}] ${text}${of}\n`);
  };

  function scenarioDone(...args: [ScenarioResult] | [string, number, number, ScenarioResult | ScenarioStatus]): void {
    const [cellId, result] = args.length === 1 ? [args[0].cellId, args[0]] : [args[0], args[3]];
    const c = state(cellId);
    c.done++;
    const k = args.length === 1 ? c.done : args[1];
    const n = args.length === 1 ? totals.get(cellId) : args[2];
    const status = typeof result === 'string' ? result : result.status;
    if (status === 'passed') c.counts.passed++;
    else if (status === 'failed') c.counts.failed++;
    else if (status === 'error') c.counts.errors++;
    else c.counts.notRun++;
    const name = typeof result === 'string' ? '' : ` ${result.scenario}`;
    const bad = c.counts.failed + c.counts.errors;
    const why = typeof result === 'string' ? undefined : scenarioMessage(result);
    const kn = n === undefined ? `${k}` : `${k}/${n}`;
    update(cellId, `scenario ${kn}${name} ${MARK[status]}${bad ? ` (${bad} failing)` : ''}`, `scenario ${kn}${name}: ${status}${why ? `: ${why}` : ''}`);
    if (bad && !c.firstFailure && typeof result !== 'string') c.firstFailure = result.scenario;
    // The cell's last planned scenario finishes the cell: it is marked done with its totals.
    if (n !== undefined && k >= n) {
      finish(cellId, `${countsText(c.counts)}${c.firstFailure ? `; first failure: ${c.firstFailure}` : ''} (${durationText(now() - c.startedAt)})`);
    }
  }

  return {
    cellStarting(cellId) {
      live.delete(cellId); // a restarted cell starts over
      if (finished_.delete(cellId)) finished--;
      update(cellId, 'starting…', 'starting');
    },
    cellReady(cellId, ms) {
      update(cellId, `ready in ${durationText(ms)}`, `ready in ${durationText(ms)}`);
    },
    cellNotRun(cellId, reason) {
      finish(cellId, `not run: ${reason}`);
    },
    scenarioDone,
    cellDone(cellId, summary) {
      const started = live.get(cellId)?.startedAt ?? now();
      finish(cellId, `${summaryText(summary)} (${durationText(now() - started)})`);
    },
    interrupted(signal) {
      if (closed) return;
      const line = `interrupted by ${signal}: stopping containers and processes`;
      if (tty) redraw([line]);
      else stream.write(`${line}\n`);
    },
    close() {
      if (closed) return;
      closed = true;
      // Live lines stay on screen as they were; the cursor already sits below them.
      live.clear();
    },
  };
}
