import { MINIMUM_NODE_VERSION, nodeVersionProblem, requireSupportedNode } from './node-version';

describe('nodeVersionProblem', () => {
  it.each(['20.15.0', '20.15.1', '20.19.5', 'v20.20.2', '22.0.0', '24.1.0'])('accepts %s', (version) => {
    expect(nodeVersionProblem(version)).toBeUndefined();
  });

  it.each(['20.10.0', '20.14.9', 'v18.20.4', '16.0.0'])('refuses %s, naming both versions and the reason', (version) => {
    const problem = nodeVersionProblem(version);
    expect(problem).toContain(version.replace(/^v/, ''));
    expect(problem).toContain(`>= ${MINIMUM_NODE_VERSION}`);
    expect(problem).toContain('zlib.crc32');
  });

  it('agrees with the running Node.js, which the test suite requires to be supported', () => {
    expect(nodeVersionProblem()).toBeUndefined();
  });
});

describe('requireSupportedNode', () => {
  it('reports the service and exits 1 on an old Node.js', () => {
    const messages: string[] = [];
    const exits: number[] = [];
    requireSupportedNode('workspace', { version: '20.14.0', report: (m) => messages.push(m), exit: (c) => exits.push(c) });
    expect(exits).toEqual([1]);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^workspace: Node\.js 20\.14\.0 is too old: it needs Node\.js >= 20\.15\.0/);
  });

  it('does nothing on a supported Node.js', () => {
    const exits: number[] = [];
    requireSupportedNode('workspace', { version: '20.15.0', report: () => undefined, exit: (c) => exits.push(c) });
    expect(exits).toEqual([]);
  });
});
