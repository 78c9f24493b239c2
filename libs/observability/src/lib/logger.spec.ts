import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger, redact } from './logger';

function capture(secrets: string[] = []) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger('test-svc', { secrets, transports: [new winston.transports.Stream({ stream })] });
  return { logger, lines: () => lines.map((l) => JSON.parse(l)) };
}

describe('createLogger', () => {
  it('writes one JSON object per entry with service, level and timestamp', () => {
    const { logger, lines } = capture();
    logger.info('started', { port: 4005 });
    const [entry] = lines();
    expect(entry).toMatchObject({ service: 'test-svc', level: 'info', message: 'started', port: 4005 });
    expect(new Date(entry.timestamp).getTime()).not.toBeNaN();
  });

  it('redacts secret-named fields at any depth', () => {
    const { logger, lines } = capture();
    logger.warn('config', {
      token: 'abc',
      nested: { apiHash: 'h', password: 'p', headers: { authorization: 'Bearer x', 'x-gateway-token': 'g' } },
      sessionString: 's',
      list: [{ botToken: '123:AAA' }],
      keep: 'visible',
    });
    const text = JSON.stringify(lines()[0]);
    for (const secret of ['"abc"', '"h"', '"p"', 'Bearer x', '"g"', '"s"', '123:AAA']) expect(text).not.toContain(secret);
    expect(lines()[0].keep).toBe('visible');
    expect(lines()[0].nested.password).toBe('[REDACTED]');
  });

  it('scrubs registered secret values from messages and error stacks', () => {
    const secret = 'a3f5c8b2d9e1f4a7c6b3e2d1f8a5c7b9';
    const { logger, lines } = capture([secret]);
    logger.error(`request failed with token ${secret}`, { err: new Error(`bad ${secret}`) });
    const text = JSON.stringify(lines());
    expect(text).not.toContain(secret);
    expect(text).toContain('[REDACTED]');
  });
});

describe('redact', () => {
  it('survives circular structures', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(redact(a)).toEqual({ name: 'a', self: '[Circular]' });
  });
});
