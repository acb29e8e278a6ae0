import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, totp } from './totp.js';

// RFC 6238 appendix B test vectors (SHA-1, secret "12345678901234567890", 8 digits).
const SECRET = Buffer.from('12345678901234567890').toString('base64'); // kept for readability of the vector below
const SECRET_B32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('TOTP codes', () => {
  it('decodes base32 to the RFC secret', () => {
    expect(base32Decode(SECRET_B32).toString('base64')).toBe(SECRET);
  });

  it('encodes the RFC secret to its base32 form and back, for secrets of any length', () => {
    expect(base32Encode(Buffer.from('12345678901234567890'))).toBe(SECRET_B32);
    for (const n of [1, 7, 13, 20, 32]) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff));
      expect(base32Decode(base32Encode(bytes))).toEqual(bytes);
    }
  });

  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [2000000000, '69279037'],
  ])('gives the RFC 6238 code at %i s', (seconds, code) => {
    expect(totp(SECRET_B32, seconds * 1000, 30, 8)).toBe(code);
  });
});
