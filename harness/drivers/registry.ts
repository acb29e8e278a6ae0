// Which page driver completes which IdP's pages, by product and version range (data, one place).
import semver from 'semver';
import { embeddedIdpDriver } from './embedded.js';
import type { IdpPageDriver } from './types.js';

interface DriverEntry {
  idp: 'embedded' | 'authelia' | 'authentik';
  range: string;
  driver: () => IdpPageDriver;
}

const DRIVERS: DriverEntry[] = [{ idp: 'embedded', range: '*', driver: () => embeddedIdpDriver }];

export function registerDriver(entry: DriverEntry): void {
  DRIVERS.unshift(entry);
}

export function driverFor(idp: DriverEntry['idp'], version: string): IdpPageDriver {
  const v = semver.coerce(version)?.version ?? '0.0.0';
  const entry = DRIVERS.find((d) => d.idp === idp && semver.satisfies(v, d.range));
  if (!entry) throw new Error(`no page driver for ${idp} ${version}: add one to harness/drivers/registry.ts`);
  return entry.driver();
}
