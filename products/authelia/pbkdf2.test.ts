import { describe, expect, it } from 'vitest';
import { pbkdf2Sha512Digest, verifyPbkdf2Sha512 } from './pbkdf2.js';

// Authelia's documentation gives this digest of 'insecure_secret' (docs: openid-connect/clients.md).
const PUBLISHED =
  '$pbkdf2-sha512$310000$c8p78n7pUMln0jzvd4aK4Q$JNRBzwAo0ek5qKn50cFzzvE9RXV88h1wJn5KGiHrD0YKtZaR/nCb2CJPOsKaPK0hjf.9yHxzQGZziziccp6Yng';

describe('pbkdf2-sha512 digests', () => {
  it("reproduces Authelia's published digest of insecure_secret", () => {
    expect(verifyPbkdf2Sha512('insecure_secret', PUBLISHED)).toBe(true);
    expect(verifyPbkdf2Sha512('insecure_secreT', PUBLISHED)).toBe(false);
  });

  it('writes salt and key without padding and with "." for "+"', () => {
    for (let i = 0; i < 20; i++) {
      const digest = pbkdf2Sha512Digest(`s${i}`, { iterations: 10 });
      expect(digest).toMatch(/^\$pbkdf2-sha512\$10\$[A-Za-z0-9./]{22}\$[A-Za-z0-9./]{86}$/);
      expect(verifyPbkdf2Sha512(`s${i}`, digest)).toBe(true);
    }
  });
});
