import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { boundedCallerKey, defaultCallerKey } from './caller.js';
import { selfSignedCert } from './test-support/servers.js';

describe('defaultCallerKey', () => {
  it('uses the verified client certificate when there is one, else the peer address', () => {
    const certificate = new X509Certificate(selfSignedCert().cert);
    const tls = { remoteAddress: '10.0.0.1', authorized: true, getPeerX509Certificate: () => certificate };
    expect(defaultCallerKey({ socket: tls })).toBe(`cert:${certificate.fingerprint256}`);
    expect(defaultCallerKey({ socket: { ...tls, authorized: false } })).toBe('addr:10.0.0.1');
    expect(defaultCallerKey({ socket: { ...tls, getPeerX509Certificate: () => undefined } })).toBe(
      'addr:10.0.0.1',
    );
    expect(defaultCallerKey({ socket: { remoteAddress: '::1' } })).toBe('addr:::1');
    expect(defaultCallerKey({ socket: null })).toBe('');
  });

  it('bounds keys from a hook', () => {
    expect(boundedCallerKey('x'.repeat(10_000))).toHaveLength(256);
    expect(boundedCallerKey(undefined)).toBe('');
  });
});
