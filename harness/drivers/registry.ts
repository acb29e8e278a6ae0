// Which page driver completes which IdP's pages: the embedded provider's own, or the real product's (its folder
// picks one by version).
import { embeddedIdpDriver } from '../../products/embedded-idp/driver.js';
import { idpProduct } from '../../products/index.js';
import type { IdpPageDriver } from './types.js';

export function driverFor(idp: string, version: string): IdpPageDriver {
  return idp === 'embedded' ? embeddedIdpDriver : idpProduct(idp).driver(version);
}
