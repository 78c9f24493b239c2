import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { useTempDir } from '@tp/testing';
import { Checkpoints } from './checkpoints';

const temp = useTempDir('checkpoints-');

describe('Checkpoints', () => {
  it('persists raised values and never lowers one', async () => {
    const file = path.join(temp.dir, 'marks.json');
    const marks = new Checkpoints(file);
    await marks.advance('-1001', 10);
    await marks.advance('-1001', 5);
    expect(new Checkpoints(file).get('-1001')).toBe(10);
  });

  it('keeps writing after one write failed', async () => {
    const folder = path.join(temp.dir, 'state');
    const file = path.join(folder, 'marks.json');
    const marks = new Checkpoints(file);
    // The folder vanishing makes exactly the next write fail.
    rmSync(folder, { recursive: true });
    await expect(marks.advance('-1001', 1)).rejects.toThrow(/ENOENT/);
    mkdirSync(folder);
    await marks.advance('-1001', 2);
    await marks.advance('-1002', 7);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ '-1001': 2, '-1002': 7 });
  });

  it('keeps later writes going when a failing write is still in flight', async () => {
    const folder = path.join(temp.dir, 'state');
    const file = path.join(folder, 'marks.json');
    const marks = new Checkpoints(file);
    rmSync(folder, { recursive: true });
    const failing = marks.advance('-1001', 1);
    const later = marks.advance('-1001', 2);
    await expect(failing).rejects.toThrow(/ENOENT/);
    await expect(later).rejects.toThrow(/ENOENT/);
    mkdirSync(folder);
    await marks.advance('-1001', 3);
    expect(new Checkpoints(file).get('-1001')).toBe(3);
  });
});
