import { defineEnv } from './env';
import { acceptedEnvNames, supersededEnvWarnings } from './superseded-env';

describe('superseded variables', () => {
  it('names each one that is set (not empty) with its replacement, sorted, never with its value', () => {
    const warnings = supersededEnvWarnings({ OLD_B: 'secret-value', OLD_A: '1', OLD_C: '', OTHER: 'x' }, { OLD_A: 'NEW_A', OLD_B: 'NEW_B', OLD_C: 'NEW_C' });
    expect(warnings).toEqual(['OLD_A (original TradingSystem) is not read: NEW_A', 'OLD_B (original TradingSystem) is not read: NEW_B']);
    expect(warnings.join()).not.toContain('secret-value');
  });

  it('lists every name a schema reads, aliases included', () => {
    const schema = defineEnv({ properties: { A: { type: 'string', aliases: ['OLD_A'], description: 'a' }, B: { type: 'integer', description: 'b' } } });
    expect([...acceptedEnvNames(schema)].sort()).toEqual(['A', 'B', 'OLD_A']);
  });
});
