module.exports = { displayName: 'db-schema', preset: '../../jest.preset.cjs' };
