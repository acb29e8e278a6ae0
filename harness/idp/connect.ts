// Builds the IdP control a scenario uses from the serialisable description a stack publishes.
import type { StackInfo } from '../stack/types.js';
import { autheliaControl } from './authelia-control.js';
import { authentikControl } from './authentik-control.js';
import { httpIdpControl, type IdpControl } from './control.js';

export function controlFor(idp: StackInfo['idp'], caPem: string): IdpControl {
  const info = idp.control;
  switch (info.kind) {
    case 'http':
      return httpIdpControl(info.url, info.token);
    case 'authentik':
      return authentikControl(info, caPem);
    case 'authelia':
      return autheliaControl({ ...info, origin: idp.origin, version: idp.version }, caPem);
  }
}
