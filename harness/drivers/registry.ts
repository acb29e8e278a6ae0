// Which page driver completes which IdP's pages, by product and version range (data, one place).
import semver from 'semver';
import { autheliaDriver } from './authelia.js';
import { authentikDriver } from './authentik.js';
import { embeddedIdpDriver } from './embedded.js';
import type { IdpPageDriver } from './types.js';

interface DriverEntry {
  idp: 'embedded' | 'authelia' | 'authentik';
  range: string;
  driver: (version: string) => IdpPageDriver;
}

const DRIVERS: DriverEntry[] = [
  { idp: 'embedded', range: '*', driver: () => embeddedIdpDriver },
  // Consent element ids change inside 4.39; the driver takes them from containers/authelia.ts by version.
  { idp: 'authelia', range: '>=4.38.0', driver: autheliaDriver },
  { idp: 'authentik', range: '>=2024.12.0', driver: authentikDriver },
];

export function registerDriver(entry: DriverEntry): void {
  DRIVERS.unshift(entry);
}

export function driverFor(idp: DriverEntry['idp'], version: string): IdpPageDriver {
  const v = semver.coerce(version)?.version ?? '0.0.0';
  const entry = DRIVERS.find((d) => d.idp === idp && semver.satisfies(v, d.range));
  if (!entry) throw new Error(`no page driver for ${idp} ${version}: add one to harness/drivers/registry.ts`);
  return entry.driver(version);
}
