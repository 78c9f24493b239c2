module.exports = { displayName: 'nx-plugin', preset: '../../jest.preset.cjs' };
