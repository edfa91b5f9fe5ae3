import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOutputFiles } from './files.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'd1kit-mtls-files-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('writeOutputFiles', () => {
  it('writes keys 0600 and certificates 0644, creating the directory 0700', async () => {
    const out = join(dir, 'new', 'pki');
    await writeOutputFiles([
      { path: join(out, 'a.key'), content: 'secret', secret: true },
      { path: join(out, 'a.pem'), content: 'public', secret: false },
    ]);
    expect(await mode(join(out, 'a.key'))).toBe(0o600);
    expect(await mode(join(out, 'a.pem'))).toBe(0o644);
    expect(await mode(out)).toBe(0o700);
  });

  it('refuses to overwrite and writes nothing when any target exists', async () => {
    await writeFile(join(dir, 'b.pem'), 'old');
    const attempt = writeOutputFiles([
      { path: join(dir, 'b.key'), content: 'new key', secret: true },
      { path: join(dir, 'b.pem'), content: 'new cert', secret: false },
    ]);
    await expect(attempt).rejects.toMatchObject({ code: 'MTLS_FILE_EXISTS', file: join(dir, 'b.pem') });
    await expect(stat(join(dir, 'b.key'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(join(dir, 'b.pem'), 'utf8')).toBe('old');
  });

  it('never writes through a symlink', async () => {
    await writeFile(join(dir, 'target'), 'keep');
    await symlink(join(dir, 'target'), join(dir, 'link.key'));
    await expect(
      writeOutputFiles([{ path: join(dir, 'link.key'), content: 'x', secret: true }]),
    ).rejects.toMatchObject({
      code: 'MTLS_FILE_EXISTS',
    });
    expect(await readFile(join(dir, 'target'), 'utf8')).toBe('keep');
  });

  it('replaces files atomically with the right mode when overwrite is asked for', async () => {
    await writeFile(join(dir, 'c.key'), 'old', { mode: 0o644 });
    await writeOutputFiles([{ path: join(dir, 'c.key'), content: 'new', secret: true }], { overwrite: true });
    expect(await readFile(join(dir, 'c.key'), 'utf8')).toBe('new');
    expect(await mode(join(dir, 'c.key'))).toBe(0o600);
  });

  it('refuses a world-writable directory without the sticky bit, accepts one with it', async () => {
    const shared = join(dir, 'shared');
    await mkdir(shared);
    await chmod(shared, 0o777);
    await expect(
      writeOutputFiles([{ path: join(shared, 'd.key'), content: 'x', secret: true }]),
    ).rejects.toMatchObject({ code: 'MTLS_UNSAFE_DIRECTORY', file: shared });
    await expect(stat(join(shared, 'd.key'))).rejects.toMatchObject({ code: 'ENOENT' });
    await chmod(shared, 0o1777);
    await writeOutputFiles([{ path: join(shared, 'd.key'), content: 'x', secret: true }]);
    expect(await mode(join(shared, 'd.key'))).toBe(0o600);
  });
});
