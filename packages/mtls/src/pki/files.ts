import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MtlsError } from '../errors.js';

export interface OutputFile {
  readonly path: string;
  readonly content: string;
  /** Private keys: mode 0600. Everything else: 0644. */
  readonly secret: boolean;
}

/**
 * Writes PKI output. Existing files are never overwritten unless `overwrite` is set; all targets are
 * checked first so a refusal leaves nothing half-written. Exclusive creation (O_EXCL) also refuses a
 * file, or a symlink, that appears in between.
 */
export async function writeOutputFiles(
  files: readonly OutputFile[],
  options: { overwrite?: boolean } = {},
): Promise<void> {
  if (!options.overwrite) {
    const existing: string[] = [];
    for (const file of files) {
      if (await exists(file.path)) existing.push(file.path);
    }
    if (existing.length > 0) {
      throw new MtlsError(
        'MTLS_FILE_EXISTS',
        `refusing to overwrite ${existing.join(', ')} (use --force to replace)`,
        {
          file: existing[0]!,
        },
      );
    }
  }
  for (const dir of new Set(files.map((file) => dirname(file.path)))) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await assertNotSharedDirectory(dir);
  }
  for (const file of files) {
    if (options.overwrite) await replaceFile(file);
    else await createExclusive(file.path, file.content, file.secret);
  }
}

async function createExclusive(path: string, content: string, secret: boolean): Promise<void> {
  const mode = secret ? 0o600 : 0o644;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'wx', mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'write error';
    if (code === 'EEXIST') {
      throw new MtlsError('MTLS_FILE_EXISTS', `refusing to overwrite ${path}`, { file: path, cause: error });
    }
    throw new MtlsError('MTLS_FILE_UNREADABLE', `cannot create ${path} (${code})`, {
      file: path,
      cause: error,
    });
  }
  try {
    // The umask can only remove bits; chmod makes the mode exact whatever it is.
    await handle.chmod(mode);
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** --force: write a sibling temporary file with the final mode, then rename it over the target. */
async function replaceFile(file: OutputFile): Promise<void> {
  const temporary = join(dirname(file.path), `.${basename(file.path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await createExclusive(temporary, file.content, file.secret);
    await rename(temporary, file.path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new MtlsError(
      'MTLS_FILE_UNREADABLE',
      `cannot check ${path} (${(error as NodeJS.ErrnoException).code})`,
      {
        file: path,
        cause: error,
      },
    );
  }
}

/**
 * Refuses a directory any user may write to without the sticky bit: anyone could replace a key or a
 * CSR there after it was written (a swapped CSR would get the attacker's key certified). With the
 * sticky bit (as /tmp has), only the owner can rename or delete the files.
 */
async function assertNotSharedDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const { mode } = await stat(dir);
  if ((mode & 0o002) !== 0 && (mode & 0o1000) === 0) {
    throw new MtlsError(
      'MTLS_UNSAFE_DIRECTORY',
      `refusing to write into ${dir}: every user may replace files there (world-writable, no sticky bit)`,
      { file: dir },
    );
  }
}
