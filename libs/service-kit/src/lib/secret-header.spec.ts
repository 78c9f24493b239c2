import { tokensMatch } from './secret-header';

const secret = 'a3f5c8b2d9e1f4a7c6b3e2d1f8a5c7b9d4e6f1a2c8b5d3e9f7a1c4b6d2e8f5a3';

describe('tokensMatch', () => {
  it('accepts the exact token', () => {
    expect(tokensMatch(secret, secret)).toBe(true);
  });

  it.each([
    ['a different token of the same length', secret.replace(/.$/, '0')],
    ['a prefix', secret.slice(0, 10)],
    ['a longer token', `${secret}x`],
    ['an empty string', ''],
    ['a missing header', undefined],
  ])('rejects %s', (_label, presented) => {
    expect(tokensMatch(presented, secret)).toBe(false);
  });

  it('never matches when no token is configured', () => {
    expect(tokensMatch('', '')).toBe(false);
  });
});
