import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, resolved from this file so scripts work from any working directory. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface RepoLayout {
  readonly root: string;
  readonly specsDir: string;
  readonly manifestFile: string;
  readonly generatedDir: string;
}

/** Every path the tooling touches, derived from one root so tests can point it at a temporary copy. */
export function layoutOf(root: string = repoRoot): RepoLayout {
  return {
    root,
    specsDir: path.join(root, 'specs'),
    manifestFile: path.join(root, 'specs', 'manifest.yaml'),
    generatedDir: path.join(root, 'generated'),
  };
}
