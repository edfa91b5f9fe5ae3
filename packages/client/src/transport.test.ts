import { describe, expect, it } from 'vitest';
import { serializePath } from './transport.js';

describe('serializePath', () => {
  it('fills every parameter, percent-encoded, and leaves custom-method colons alone', () => {
    const template = '/v2/issuers/{issuerId}/cards/{cardId}/operations:suspend';
    expect(serializePath(template, { issuerId: 'AB/C?D#E%F', cardId: 'card_1-x' })).toBe(
      '/v2/issuers/AB%2FC%3FD%23E%25F/cards/card_1-x/operations:suspend',
    );
    // The split template is cached; a second call with other values must not reuse the first values.
    expect(serializePath(template, { issuerId: 'ISSUER0001', cardId: 'c2' })).toBe(
      '/v2/issuers/ISSUER0001/cards/c2/operations:suspend',
    );
    expect(serializePath('/oauth2/token', {})).toBe('/oauth2/token');
    expect(serializePath('/issuers/{issuerId}', {})).toBe('/issuers/{issuerId}');
  });
});
