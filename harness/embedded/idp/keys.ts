// Per-instance keys: the provider's RS256 signing key and, when modelled, the ID-token encryption key pair
// (authentik's "encryption key": the RP needs its private half to read the ID token).
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';

export interface KeyPair {
  kid: string;
  publicJwk: Record<string, unknown>;
  privateJwk: Record<string, unknown>;
  privateKey: KeyObject;
}

export function rsaKeyPair(use: 'sig' | 'enc', alg: string): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  return {
    kid,
    privateKey,
    privateJwk: { ...privateKey.export({ format: 'jwk' }), kid, use, alg },
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, use, alg },
  };
}
