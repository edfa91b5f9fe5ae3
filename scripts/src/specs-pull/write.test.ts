import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpecsPullError } from './errors.js';
import { nodeWriteFs, type WriteFs, writeAtomically } from './write.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'd1kit-write-'));
  await writeFile(path.join(dir, 'a.yaml'), 'old a');
  await writeFile(path.join(dir, 'b.yaml'), 'old b');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const contents = async () => {
  const names = (await readdir(dir)).sort();
  return Object.fromEntries(
    await Promise.all(names.map(async (n) => [n, await readFile(path.join(dir, n), 'utf8')])),
  );
};

async function expectWriteFailed(work: Promise<void>, message: RegExp) {
  const error = await work.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SpecsPullError);
  expect((error as SpecsPullError).code).toBe('WRITE_FAILED');
  expect((error as SpecsPullError).message).toMatch(message);
}

describe('writeAtomically', () => {
  it('replaces every file and leaves no temp file behind', async () => {
    await writeAtomically([
      { file: path.join(dir, 'a.yaml'), bytes: 'new a' },
      { file: path.join(dir, 'c.yaml'), bytes: new TextEncoder().encode('new c') },
    ]);
    expect(await contents()).toEqual({ 'a.yaml': 'new a', 'b.yaml': 'old b', 'c.yaml': 'new c' });
  });

  it('changes nothing when a temp file cannot be written', async () => {
    let writes = 0;
    const fs: WriteFs = {
      ...nodeWriteFs,
      writeNew: async (file, bytes) => {
        if (++writes === 2) throw new Error('ENOSPC: no space left');
        return nodeWriteFs.writeNew(file, bytes);
      },
    };
    const work = writeAtomically(
      [
        { file: path.join(dir, 'a.yaml'), bytes: 'new a' },
        { file: path.join(dir, 'b.yaml'), bytes: 'new b' },
      ],
      fs,
    );
    await expectWriteFailed(work, /^nothing was written: ENOSPC/);
    expect(await contents()).toEqual({ 'a.yaml': 'old a', 'b.yaml': 'old b' });
  });

  it('restores replaced files, and removes created ones, when a later rename fails', async () => {
    let renames = 0;
    const fs: WriteFs = {
      ...nodeWriteFs,
      rename: async (from, to) => {
        if (++renames === 3) throw new Error('EXDEV: simulated');
        return nodeWriteFs.rename(from, to);
      },
    };
    const work = writeAtomically(
      [
        { file: path.join(dir, 'a.yaml'), bytes: 'new a' },
        { file: path.join(dir, 'new.yaml'), bytes: 'created' },
        { file: path.join(dir, 'b.yaml'), bytes: 'new b' },
      ],
      fs,
    );
    await expectWriteFailed(
      work,
      /writing failed \(EXDEV: simulated\); the files already replaced were restored/,
    );
    expect(await contents()).toEqual({ 'a.yaml': 'old a', 'b.yaml': 'old b' });
  });

  it('says which files it could not restore', async () => {
    let renames = 0;
    const fs: WriteFs = {
      ...nodeWriteFs,
      rename: async (from, to) => {
        renames++;
        if (renames === 2 || renames === 3) throw new Error('EIO: disk gone');
        return nodeWriteFs.rename(from, to);
      },
    };
    const a = path.join(dir, 'a.yaml');
    const work = writeAtomically(
      [
        { file: a, bytes: 'new a' },
        { file: path.join(dir, 'b.yaml'), bytes: 'new b' },
      ],
      fs,
    );
    await expectWriteFailed(
      work,
      new RegExp(`could not restore ${a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
  });
});
