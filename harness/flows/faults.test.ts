// What counts as a harness fault, and what passes through as is: an error the photo server or the IdP caused
// must never be retried away or reported as the harness's.
import { errors as playwrightErrors } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { HarnessFault, faultKindOf, step } from './faults.js';

describe('faultKindOf', () => {
  it.each([
    [new playwrightErrors.TimeoutError('page.waitForResponse: Timeout 30000ms exceeded'), 'timeout'],
    [new Error('page.goto: net::ERR_NETWORK_CHANGED at https://photos.harness.test:1234/auth/login'), 'network-change'],
    [new Error('page.goto: net::ERR_CONNECTION_REFUSED at https://auth.harness.test:4321/'), 'stack-unreachable'],
    [new TypeError('fetch failed'), 'stack-unreachable'],
    [new Error('browserContext.newPage: Target page, context or browser has been closed'), 'browser'],
    [new Error('embedded IdP refused the login of "bob": wrong password'), undefined],
    [new Error('no rule of auto-register/on matches cell x'), undefined],
  ])('classifies %s as %s', (err, kind) => {
    expect(faultKindOf(err)).toBe(kind);
  });
});

describe('step', () => {
  it('turns a harness-side failure into a HarnessFault naming the step and how long it waited, without colour codes', async () => {
    const err = await step('web: press the OAuth button', async () => {
      await new Promise((r) => setTimeout(r, 20));
      throw new Error('\u001b[2mlocator.click: net::ERR_NETWORK_CHANGED\u001b[22m\ncall log: …');
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HarnessFault);
    const { info } = err as HarnessFault;
    expect(info).toMatchObject({ kind: 'network-change', step: 'web: press the OAuth button', cause: 'locator.click: net::ERR_NETWORK_CHANGED' });
    expect(info.waitedMs).toBeGreaterThanOrEqual(15);
    expect((err as Error).message).toMatch(/^harness fault \(network-change\) at step "web: press the OAuth button": aborted by a network change after/);
  });

  it('lets any other error through unchanged', async () => {
    const original = new Error('embedded IdP error page: invalid_redirect_uri');
    await expect(step('mobile: complete the IdP pages', () => Promise.reject(original))).rejects.toBe(original);
  });
});
