import { describe, expect, it } from 'vitest';
import { describeError } from './errors.js';

describe('error text in the reference model log', () => {
  it('shows every cause of the chain, a plain object as its JSON and never as [object Object]', () => {
    const err = new Error('OAuth login failed', { cause: new Error('token request failed', { cause: { error: 'invalid_client', status: 401 } }) });
    const text = describeError(err);
    expect(text).toMatch(/^Error: OAuth login failed\n/);
    expect(text).toContain('[cause]: Error: token request failed');
    expect(text).toContain('[cause]: {"error":"invalid_client","status":401}');
    expect(text).not.toContain('[object Object]');
    expect(describeError(new Error('x', { cause: new URLSearchParams({ error: 'invalid_scope' }) }))).toContain('[cause]: error=invalid_scope');
  });
});
