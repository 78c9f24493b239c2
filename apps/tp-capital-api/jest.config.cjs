module.exports = { displayName: 'tp-capital-api', preset: '../../jest.preset.cjs' };
