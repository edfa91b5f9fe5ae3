import { specs } from '@d1kit/generated';
import { D1_ENVIRONMENTS, type D1Environment } from '@d1kit/token';
import { D1ClientError } from './errors.js';

export type { D1Environment };

/** Where the client sends its calls: one origin for all D1 APIs, each spec keeping its own server path. */
export interface ResolvedEndpoint {
  readonly environment: D1Environment | undefined;
  /** `https://host[:port]`, plus any path prefix a custom base URL carries (without a trailing slash). */
  readonly base: string;
}

type SpecName = keyof typeof specs;

/**
 * A named D1 environment, or a base URL (e.g. a local simulator). D1 runs one endpoint per environment for
 * all its APIs (contract 9.1), so only the host changes; `/authz/v1`, `/banking`, `/banking/v1` stay.
 */
export function resolveEndpoint(environment: unknown): ResolvedEndpoint {
  if (typeof environment === 'string' && Object.hasOwn(D1_ENVIRONMENTS, environment)) {
    const name = environment as D1Environment;
    return { environment: name, base: D1_ENVIRONMENTS[name].origin };
  }
  if (typeof environment !== 'string' || environment.length === 0) {
    throw new D1ClientError(
      'CONFIG_INVALID',
      'environment must be production, staging, develop or an https base URL',
    );
  }
  let url: URL;
  try {
    url = new URL(environment);
  } catch {
    throw new D1ClientError('CONFIG_INVALID', 'environment is neither a D1 environment name nor a URL');
  }
  if (url.protocol !== 'https:') throw new D1ClientError('CONFIG_INVALID', 'the base URL must use https');
  if (url.username || url.password || url.search || url.hash) {
    throw new D1ClientError(
      'CONFIG_INVALID',
      'the base URL must not carry credentials, a query or a fragment',
    );
  }
  return { environment: undefined, base: `${url.origin}${url.pathname.replace(/\/+$/, '')}` };
}

const serverPaths = new Map<string, string>();

/**
 * The path part of a spec's servers (`/banking/v1`). Every listed server of a spec shares it; if a future
 * spec broke that, picking one silently would send calls to the wrong place, so it is an error.
 */
export function specServerPath(spec: string): string {
  const known = serverPaths.get(spec);
  if (known !== undefined) return known;
  const meta = specs[spec as SpecName];
  if (!meta) throw new D1ClientError('CONFIG_INVALID', `unknown spec ${spec}`);
  const paths = new Set(meta.servers.map((server) => new URL(server.url).pathname.replace(/\/+$/, '')));
  if (paths.size !== 1) {
    throw new D1ClientError('CONFIG_INVALID', `the servers of ${spec} do not share one path`);
  }
  const [path] = paths;
  serverPaths.set(spec, path!);
  return path!;
}

export function specBaseUrl(endpoint: ResolvedEndpoint, spec: string): string {
  return `${endpoint.base}${specServerPath(spec)}`;
}
