import { createDatabase, redactUrl } from './client';
import { isConnectionError } from './errors';

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactUrl('postgres://tp:s3cret@db:5432/tp')).toBe('postgres://tp:***@db:5432/tp');
    expect(redactUrl('not a url')).toBe('<unparseable DATABASE_URL>');
  });
});

describe('createDatabase', () => {
  it('reports an unreachable PostgreSQL as a connection error on ping', async () => {
    const handle = createDatabase('postgres://nobody@127.0.0.1:1/none');
    const error = await handle.ping().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
    expect(isConnectionError(error)).toBe(true);
    await handle.close();
  });
});

describe('openDatabase', () => {
  it('retries the configured number of times, then fails naming the target without its password', async () => {
    const { openDatabase } = await import('./startup');
    const retries: number[] = [];
    const error = await openDatabase({
      url: 'postgres://tp:hunter22@127.0.0.1:1/none',
      attempts: 3,
      retryDelayMs: 10,
      onRetry: (n) => retries.push(n),
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(retries).toEqual([1, 2]);
    expect(error?.message).toMatch(/unreachable after 3 attempts/);
    expect(error?.message).not.toContain('hunter22');
  });
});
