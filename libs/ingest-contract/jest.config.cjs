module.exports = { displayName: 'ingest-contract', preset: '../../jest.preset.cjs' };
