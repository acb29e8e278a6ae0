// Password digests in the crypt-like PBKDF2 form Authelia reads: $pbkdf2-sha512$<iterations>$<salt>$<key>,
// salt and key in unpadded base64 with '+' written as '.'.
import { pbkdf2Sync, randomBytes } from 'node:crypto';

const toAb64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '').replace(/\+/g, '.');
const fromAb64 = (s: string) => Buffer.from(s.replace(/\./g, '+'), 'base64');

/** Low default: these digests only guard throw-away test users; any count decodes. */
export const TEST_PBKDF2_ITERATIONS = 1000;

export function pbkdf2Sha512Digest(
  secret: string,
  opts: { iterations?: number; salt?: Buffer } = {},
): string {
  const iterations = opts.iterations ?? TEST_PBKDF2_ITERATIONS;
  const salt = opts.salt ?? randomBytes(16);
  const key = pbkdf2Sync(secret, salt, iterations, 64, 'sha512');
  return `$pbkdf2-sha512$${iterations}$${toAb64(salt)}$${toAb64(key)}`;
}

/** Checks a secret against a digest of the form above (used to test the encoder against a published digest). */
export function verifyPbkdf2Sha512(secret: string, digest: string): boolean {
  const m = /^\$pbkdf2-sha512\$(\d+)\$([A-Za-z0-9./]+)\$([A-Za-z0-9./]+)$/.exec(digest);
  if (!m) return false;
  return pbkdf2Sha512Digest(secret, { iterations: Number(m[1]), salt: fromAb64(m[2]!) }) === digest;
}
