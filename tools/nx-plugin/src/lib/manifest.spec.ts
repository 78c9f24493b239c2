import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderManifest, requiredPackages } from './manifest';
import { tempWorkspace } from './temp-workspace.testing';

const workspace = tempWorkspace('nx-manifest-');

describe('requiredPackages', () => {
  it('names each package a bundle requires or imports once, by package name, without builtins or relative paths', () => {
    const bundle = [
      'var a = require("telegram/events"), b = require("telegram");',
      'var c = require("@scope/pkg/deep/file.js"); var d = require("node:fs"); var e = require("path");',
      'var f = require("./local"); var g = require("../up"); import("pg").then(() => 0); require( "ajv" );',
    ].join('\n');
    expect(requiredPackages(bundle)).toEqual(['@scope/pkg', 'ajv', 'pg', 'telegram']);
  });
});

describe('renderManifest', () => {
  it('pins every required package to its installed version and keeps the project identity', () => {
    const root = workspace.root;
    writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'root', engines: { node: '>=20.15' }, devDependencies: { ajv: '^8' } }));
    workspace.project('apps/api', { name: 'api' }, { 'package.json': JSON.stringify({ name: '@tp/api', version: '1.2.3', license: 'UNLICENSED', dependencies: { commander: '^14' } }) });
    for (const [name, version] of [['ajv', '8.20.0'], ['express', '5.3.0']]) {
      mkdirSync(path.join(root, 'node_modules', name), { recursive: true });
      writeFileSync(path.join(root, 'node_modules', name, 'package.json'), JSON.stringify({ name, version }));
    }
    const manifest = renderManifest(root, 'apps/api', 'require("express"); require("ajv/dist/compile");');
    // commander is declared by the project but never required by the bundle: it does not ship.
    expect(manifest).toEqual({ name: '@tp/api', version: '1.2.3', private: true, license: 'UNLICENSED', main: './main.js', type: 'commonjs', engines: { node: '>=20.15' }, dependencies: { ajv: '8.20.0', express: '5.3.0' } });
  });

  it('fails naming a required package that is not installed', () => {
    const root = workspace.root;
    writeFileSync(path.join(root, 'package.json'), '{}');
    workspace.project('apps/api', { name: 'api' }, { 'package.json': '{}' });
    expect(() => renderManifest(root, 'apps/api', 'require("left-pad")')).toThrow(/left-pad is required by the bundle but not installed/);
  });
});
