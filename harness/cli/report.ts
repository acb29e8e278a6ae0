// `idp-harness report merge DIR… --out DIR [--baseline FILE]` and `report diff OLD NEW`.
import { dirname, resolve } from 'node:path';
import { buildSite } from '../report/site.js';
import { mergeDirs } from '../report/merge.js';
import { readReport } from '../report/schema.js';
import { regressions, toMarkdownDiff } from '../report/diff.js';
import { writeAllReports } from '../report/write.js';
import { parseCommand, UsageError } from './args.js';

export async function reportCommand(args: string[]): Promise<number> {
  const { values, flag, positionals } = parseCommand('report', args);
  const [sub, ...paths] = positionals;
  if (sub === 'merge') {
    if (paths.length === 0) throw new UsageError('report merge needs at least one directory holding a results.json');
    const out = resolve(values.out ?? 'reports/merged');
    // Read before anything is written: a missing or broken baseline is bad input (exit 2), not a late failure.
    const baseline = values.baseline ? readReport(values.baseline) : undefined;
    const { report, warnings } = mergeDirs(paths, out, { allowMissingShards: flag('allow-missing-shards') });
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    const files = writeAllReports(out, report, { regressions: baseline ? regressions(baseline, report) : [] });
    process.stdout.write(`merged ${paths.length} report(s), ${report.cells.length} cells: ${files.join(', ')}\n`);
    if (values.baseline) {
      const changes = regressions(baseline!, report);
      process.stdout.write(
        changes.length
          ? `${changes.length} regression(s) against ${values.baseline}:\n${changes.map((c) => `  ${c.kind}: ${c.cellId} ${c.scenario}: ${c.after?.message ?? c.after?.status}\n`).join('')}`
          : `no regression against ${values.baseline}\n`,
      );
      return changes.length ? 1 : 0;
    }
    return 0;
  }
  if (sub === 'diff') {
    if (paths.length !== 2) throw new UsageError('report diff needs two reports: OLD.json NEW.json');
    const [old, now] = paths.map((p) => readReport(p!));
    process.stdout.write(`${toMarkdownDiff(old!, now!)}\n`);
    return regressions(old!, now!).length ? 1 : 0;
  }
  if (sub === 'site') {
    if (paths.length === 0) throw new UsageError('report site needs at least one results.json (or a directory holding one)');
    const inputs = paths.map((p) => {
      const file = p!.endsWith('.json') ? resolve(p!) : resolve(p!, 'results.json');
      return { report: readReport(file), dir: dirname(file) };
    });
    const index = buildSite(inputs, resolve(values.out ?? 'reports/site'));
    process.stdout.write(`site of ${inputs.length} run(s): ${index}\n`);
    return 0;
  }
  throw new UsageError('report what? use "report merge DIR… --out DIR", "report diff OLD.json NEW.json" or "report site results.json… --out DIR"');
}
