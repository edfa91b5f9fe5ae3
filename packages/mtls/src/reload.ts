import { unwatchFile, watchFile } from 'node:fs';
import type { Server as TlsServer } from 'node:tls';
import { MtlsError } from './errors.js';
import {
  type CheckedTlsMaterial,
  loadTlsMaterial,
  type TlsMaterialCheckOptions,
  type TlsMaterialFiles,
} from './material.js';
import { callHook } from './refusal.js';
import { secureContextOptions, type TlsProtocolOptions } from './server-options.js';

export interface TlsReloadOptions {
  /** Poll the three files and reload when one changes. Default true. */
  readonly watch?: boolean;
  /** Poll interval in ms; polling (not inotify) also sees atomic renames and Kubernetes secret symlink swaps. */
  readonly intervalMs?: number;
  readonly check?: TlsMaterialCheckOptions;
  readonly onReload?: (material: CheckedTlsMaterial) => void;
  /** A reload that fails keeps the previous material; this says why (e.g. a key written before its certificate). */
  readonly onError?: (error: MtlsError) => void;
}

export interface TlsReloader {
  /** The material in use. */
  readonly current: CheckedTlsMaterial;
  /** Loads, checks and applies the files now; rejects with MTLS_RELOAD_FAILED and keeps the old material. */
  reload(): Promise<CheckedTlsMaterial>;
  close(): void;
}

/**
 * Loads TLS material from files (a start-up error names the bad file), hands it to `apply`, and repeats
 * on every file change or `reload()` call. Reloads run one at a time, in order.
 */
export async function createTlsReloader(
  files: TlsMaterialFiles,
  apply: (material: CheckedTlsMaterial) => void,
  options: TlsReloadOptions = {},
): Promise<TlsReloader> {
  const interval = options.intervalMs ?? 1000;
  if (!Number.isInteger(interval) || interval < 10) {
    throw new MtlsError('MTLS_INVALID_OPTIONS', 'intervalMs must be an integer of at least 10');
  }
  let current = await loadTlsMaterial(files, options.check);
  apply(current);

  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;
  const reloadNow = (): Promise<CheckedTlsMaterial> => {
    const run = queue.then(async () => {
      let material: CheckedTlsMaterial;
      try {
        material = await loadTlsMaterial(files, options.check);
        if (closed) return current;
        apply(material);
      } catch (error) {
        const reason = error instanceof MtlsError ? error.message : 'the new material was refused by TLS';
        throw new MtlsError('MTLS_RELOAD_FAILED', `TLS reload failed, previous material kept: ${reason}`, {
          ...(error instanceof MtlsError && error.file ? { file: error.file } : {}),
          cause: error,
        });
      }
      current = material;
      callHook(options.onReload, material);
      return material;
    });
    queue = run.catch(() => undefined);
    return run;
  };

  const watched = [...new Set([files.certFile, files.keyFile, files.caFile])];
  const onChange = () => {
    reloadNow().catch((error: MtlsError) => callHook(options.onError, error));
  };
  if (options.watch ?? true) {
    for (const file of watched) {
      watchFile(file, { interval, persistent: false }, onChange);
    }
  }

  return {
    get current() {
      return current;
    },
    reload: reloadNow,
    close() {
      closed = true;
      for (const file of watched) unwatchFile(file, onChange);
    },
  };
}

/**
 * Keeps a TLS/HTTPS server's certificate, key and CA bundle in step with files. `setSecureContext`
 * affects new handshakes only: open connections and in-flight requests carry on untouched.
 */
export function attachTlsReload(
  server: TlsServer,
  files: TlsMaterialFiles,
  options: TlsReloadOptions & { readonly protocol?: TlsProtocolOptions } = {},
): Promise<TlsReloader> {
  return createTlsReloader(
    files,
    (material) => server.setSecureContext(secureContextOptions(material, options.protocol)),
    options,
  );
}
