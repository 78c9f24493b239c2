import fc from 'fast-check';
import { ConfigError, defineEnv, loadEnv, secretValues } from './env';

const schema = defineEnv({
  required: ['TOKEN'],
  properties: {
    PORT: { type: 'integer', minimum: 0, maximum: 65_535, default: 3000, description: 'port' },
    RATIO: { type: 'number', minimum: 0, default: 0.5, description: 'ratio' },
    VERBOSE: { type: 'boolean', default: false, description: 'verbose' },
    ORIGINS: { type: 'list', default: 'http://a,http://b', description: 'origins' },
    LEVEL: { type: 'string', enum: ['info', 'warn'], default: 'info', description: 'level' },
    TOKEN: { type: 'string', minLength: 8, secret: true, hint: 'openssl rand -hex 32', description: 'token' },
    DOUBLINGS: { type: 'integer', minimum: 0, default: 3, aliases: ['OLD_DOUBLINGS'], description: 'renamed' },
    OPTIONAL: { type: 'string', description: 'optional' },
  },
});

const TOKEN = 'secret-token-value';

describe('loadEnv', () => {
  it('fills defaults and types every value', () => {
    expect(loadEnv(schema, { TOKEN })).toEqual({ PORT: 3000, RATIO: 0.5, VERBOSE: false, ORIGINS: ['http://a', 'http://b'], LEVEL: 'info', TOKEN, DOUBLINGS: 3 });
  });

  it('coerces numbers and booleans, and trims list items', () => {
    const values = loadEnv(schema, { TOKEN, PORT: '8080', RATIO: '1.25', VERBOSE: 'yes', ORIGINS: ' http://x , ,http://y ' });
    expect(values).toMatchObject({ PORT: 8080, RATIO: 1.25, VERBOSE: true, ORIGINS: ['http://x', 'http://y'] });
    expect(loadEnv(schema, { TOKEN, VERBOSE: 'OFF' }).VERBOSE).toBe(false);
  });

  it('treats an empty value as unset', () => {
    const values = loadEnv(schema, { TOKEN, PORT: '', OPTIONAL: '' });
    expect(values.PORT).toBe(3000);
    expect(values.OPTIONAL).toBeUndefined();
    expect(() => loadEnv(schema, { TOKEN: '' })).toThrow('TOKEN must be set');
  });

  it('ignores variables the schema does not name', () => {
    expect(loadEnv(schema, { TOKEN, PATH: '/usr/bin' })).not.toHaveProperty('PATH');
  });

  it('lists every bad variable at once, by name, with the value it got', () => {
    let error: ConfigError | undefined;
    try {
      loadEnv(schema, { TOKEN, PORT: 'http', VERBOSE: 'maybe', LEVEL: 'loud', RATIO: '-1' });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.problems).toEqual(
      expect.arrayContaining([
        'PORT must be an integer (got "http")',
        'VERBOSE must be true or false (got "maybe")',
        'LEVEL must be one of: info, warn (got "loud")',
        'RATIO must be >= 0 (got "-1")',
      ]),
    );
    expect(error?.problems).toHaveLength(4);
  });

  it('names bounds', () => {
    expect(() => loadEnv(schema, { TOKEN, PORT: '70000' })).toThrow('PORT must be at most 65535 (got "70000")');
    expect(() => loadEnv(schema, { TOKEN, PORT: '-1' })).toThrow('PORT must be an integer >= 0 (got "-1")');
  });

  it('never repeats a secret value, and gives the hint', () => {
    const secret = 'short';
    expect(() => loadEnv(schema, { TOKEN: secret })).toThrow('TOKEN must be at least 8 characters (openssl rand -hex 32)');
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 7 }).filter((s) => s.trim() !== '' && !'TOKEN must be at least 8 characters (openssl rand -hex 32)'.includes(s)), (value) => {
        try {
          loadEnv(schema, { TOKEN: value });
          return false;
        } catch (e) {
          return !(e as Error).message.includes(value);
        }
      }),
    );
  });

  it('reads an older name when the new one is unset, and names the one that was set', () => {
    expect(loadEnv(schema, { TOKEN, OLD_DOUBLINGS: '6' }).DOUBLINGS).toBe(6);
    expect(loadEnv(schema, { TOKEN, DOUBLINGS: '2', OLD_DOUBLINGS: '6' }).DOUBLINGS).toBe(2);
    expect(() => loadEnv(schema, { TOKEN, OLD_DOUBLINGS: '-1' })).toThrow(/^OLD_DOUBLINGS must be an integer >= 0/);
  });

  it('does not change the schema it is given', () => {
    const before = JSON.stringify(schema);
    loadEnv(schema, { TOKEN });
    expect(JSON.stringify(schema)).toBe(before);
  });
});

describe('secretValues', () => {
  it('lists the values of the variables marked secret, under their name or an alias, and nothing else', () => {
    const schema = defineEnv({
      properties: {
        API_TOKEN: { type: 'string', secret: true, aliases: ['OLD_API_TOKEN'], description: 'token' },
        BOT_TOKEN: { type: 'string', secret: true, description: 'bot' },
        PORT: { type: 'integer', description: 'port' },
      },
    });
    expect(secretValues(schema, { OLD_API_TOKEN: 'old-secret-value', BOT_TOKEN: '', PORT: '4006', UNRELATED: 'x' })).toEqual(['old-secret-value']);
  });
});
