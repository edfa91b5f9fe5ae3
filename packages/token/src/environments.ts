/** The D1 environments (contract 2 and 9.1): one API origin each, the same token path everywhere. */
export type D1Environment = 'production' | 'staging' | 'develop';

export interface D1EnvironmentInfo {
  readonly origin: string;
  /** Inbound token endpoint (IN-v1-Auth2 `POST /authz/v1/oauth2/token`). */
  readonly tokenUrl: string;
  /**
   * Default `aud` for assertions. D1 does not publish the expected value (contract gap 1); d1kit uses the
   * API origin, which is what the gap list suggests trying first. Override it with the signer's `audience`.
   */
  readonly defaultAudience: string;
}

export const D1_TOKEN_PATH = '/authz/v1/oauth2/token';

function environment(origin: string): D1EnvironmentInfo {
  return { origin, tokenUrl: `${origin}${D1_TOKEN_PATH}`, defaultAudience: origin };
}

export const D1_ENVIRONMENTS: Readonly<Record<D1Environment, D1EnvironmentInfo>> = Object.freeze({
  production: environment('https://api.d1.thalescloud.io'),
  staging: environment('https://api.d1-stg.thalescloud.io'),
  develop: environment('https://develop-api.d1-dev.thalescloud.io'),
});

export function isD1Environment(value: unknown): value is D1Environment {
  return typeof value === 'string' && Object.hasOwn(D1_ENVIRONMENTS, value);
}
