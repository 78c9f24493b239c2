import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from './env';
import { listenOrExit, loadConfigOrExit } from './service-start';

const quietLogger = () => ({ info: jest.fn(), error: jest.fn() });

describe('loadConfigOrExit', () => {
  it('returns the configuration, exits 1 naming a bad variable, and throws anything else', () => {
    expect(loadConfigOrExit('svc', () => ({ port: 1 }))).toEqual({ port: 1 });
    const stderr = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const exit = jest.fn((code: number) => {
      throw new Error(`exit ${code}`);
    }) as unknown as (code: number) => never;
    expect(() => loadConfigOrExit('svc', () => { throw new ConfigError('PORT must be a number'); }, exit)).toThrow('exit 1');
    expect(stderr).toHaveBeenCalledWith('svc: invalid configuration: PORT must be a number');
    expect(() => loadConfigOrExit('svc', () => { throw new TypeError('bug'); }, exit)).toThrow('bug');
    stderr.mockRestore();
  });
});

describe('listenOrExit', () => {
  it('exits 1 with one line when the port is taken', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => taken.once('listening', r));
    const port = (taken.address() as AddressInfo).port;
    const stderr = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const logger = quietLogger();
    const exited = new Promise<number>((resolve) => listenOrExit(createServer(), { service: 'svc', host: '127.0.0.1', port, logger, exit: resolve }));
    expect(await exited).toBe(1);
    expect(stderr).toHaveBeenCalledWith(`svc: cannot listen on 127.0.0.1:${port}: port already in use`);
    expect(logger.error).toHaveBeenCalledWith('cannot listen', expect.objectContaining({ code: 'EADDRINUSE' }));
    stderr.mockRestore();
    taken.close();
  });
});
