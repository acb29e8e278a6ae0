// Builds the IdP control a scenario uses from the serialisable description a stack publishes.
import type { IdpControlInfo } from '../stack/types.js';
import { httpIdpControl, type IdpControl } from './control.js';

export function controlFor(info: IdpControlInfo, _caPem: string): IdpControl {
  switch (info.kind) {
    case 'http':
      return httpIdpControl(info.url, info.token);
    default:
      throw new Error(`IdP control "${info.kind}" is not available in this build`);
  }
}
