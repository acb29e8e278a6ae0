// Version tables: every version-specific fact is a row { range, value }; the first matching row wins.
import semver from 'semver';

export interface Row<T> {
  range: string; // semver range, e.g. '>=1.133.0 <2.0.0'
  value: T;
}

/** "v1.113.0" and "1.113.0" are the same version; authentik's "2025.10.4" is valid semver already. */
export function normalizeVersion(version: string): string {
  const v = semver.valid(semver.coerce(version.replace(/^v/, ''), { includePrerelease: false }));
  if (!v || semver.valid(version.replace(/^v/, '')) === null) {
    throw new Error(`"${version}" is not a version (expected X.Y.Z, optionally with a leading v)`);
  }
  return v;
}

export function pick<T>(what: string, table: readonly Row<T>[], version: string): T {
  const v = normalizeVersion(version);
  const row = table.find((r) => semver.satisfies(v, r.range));
  if (!row) {
    throw new Error(`no ${what} known for version ${version}: add a row to its table in containers/`);
  }
  return row.value;
}
