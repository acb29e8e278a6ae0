// Builds the IdP control a scenario uses from the serialisable description a stack publishes.
import { idpProduct } from '../../products/index.js';
import type { StackInfo } from '../stack/types.js';
import { httpIdpControl, type IdpControl } from './control.js';

export function controlFor(idp: StackInfo['idp'], caPem: string): IdpControl {
  const info = idp.control;
  if (info.kind === 'http') return httpIdpControl(info.url as string, info.token as string);
  const { kind, ...own } = info;
  return idpProduct(kind).control(own, { origin: idp.origin, version: idp.version, caPem });
}
