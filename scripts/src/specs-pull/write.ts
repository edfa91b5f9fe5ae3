import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { firstLine, SpecsPullError } from './errors.js';

export interface PlannedWrite {
  readonly file: string;
  readonly bytes: string | Uint8Array;
}

/** The file operations a batch write uses; tests substitute failing ones. */
export interface WriteFs {
  writeNew(file: string, bytes: string | Uint8Array): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(file: string): Promise<void>;
  readIfExists(file: string): Promise<Uint8Array | null>;
}

export const nodeWriteFs: WriteFs = {
  async writeNew(file, bytes) {
    // 'wx' refuses to follow or reuse anything already at the temp name.
    const handle = await fsp.open(file, 'wx', 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  rename: (from, to) => fsp.rename(from, to),
  unlink: (file) => fsp.unlink(file),
  async readIfExists(file) {
    try {
      return new Uint8Array(await fsp.readFile(file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  },
};

function tempNameFor(file: string): string {
  return path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
  );
}

const quietly = (work: Promise<unknown>) =>
  work.then(
    () => undefined,
    () => undefined,
  );

/**
 * Writes a batch of files so that a failure leaves every one of them as it was: each new content goes
 * to a temp file beside its target first (same directory, so rename is atomic), and only when all temp
 * files are safely on disk are they renamed into place, in order. If a rename fails, the files already
 * replaced get their old bytes back (or are removed if they did not exist) before the error is thrown.
 */
export async function writeAtomically(
  writes: readonly PlannedWrite[],
  fs: WriteFs = nodeWriteFs,
): Promise<void> {
  const temps: string[] = [];
  const cleanUp = () => Promise.all(temps.map((t) => quietly(fs.unlink(t))));
  const originals: (Uint8Array | null)[] = [];
  try {
    for (const { file, bytes } of writes) {
      const temp = tempNameFor(file);
      temps.push(temp);
      await fs.writeNew(temp, bytes);
      originals.push(await fs.readIfExists(file));
    }
  } catch (error) {
    await cleanUp();
    throw new SpecsPullError('WRITE_FAILED', `nothing was written: ${firstLine(error)}`);
  }
  const done: number[] = [];
  try {
    for (const [i, { file }] of writes.entries()) {
      await fs.rename(temps[i]!, file);
      done.push(i);
    }
  } catch (error) {
    const restoreFailures: string[] = [];
    for (const i of done.reverse()) {
      const { file } = writes[i]!;
      const original = originals[i];
      try {
        if (original === null || original === undefined) await fs.unlink(file);
        else {
          const temp = tempNameFor(file);
          temps.push(temp);
          await fs.writeNew(temp, original);
          await fs.rename(temp, file);
        }
      } catch {
        restoreFailures.push(file);
      }
    }
    await cleanUp();
    const restored =
      restoreFailures.length === 0
        ? 'the files already replaced were restored'
        : `could not restore ${restoreFailures.join(', ')}`;
    throw new SpecsPullError('WRITE_FAILED', `writing failed (${firstLine(error)}); ${restored}`);
  }
}
