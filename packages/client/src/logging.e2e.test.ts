import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createD1Client, type D1Client } from './index.js';
import { createTestEnvironment, type TestEnvironment } from './testing/index.js';

const PAN = '4111111111111111';
const OTHER_PAN = '5555555555554444';

describe('what reaches logs and errors', () => {
  let env: TestEnvironment;
  let d1: D1Client;
  const lines: string[] = [];

  beforeAll(async () => {
    env = await createTestEnvironment();
    const sink = (event: string, fields: object) => lines.push(JSON.stringify({ event, ...fields }));
    d1 = createD1Client({
      ...env.clientOptions,
      logger: { debug: sink, info: sink, warn: sink, error: sink },
      retry: { baseDelayMs: 1 },
    });
  });
  afterAll(async () => {
    await d1?.close();
    await env?.close();
  });

  it('never carries a PAN, token, assertion, JWE or plaintext, whatever happens', async () => {
    const errors: string[] = [];
    const keep = (error: unknown) => errors.push(`${(error as Error).message} ${JSON.stringify(error)}`);
    await d1.cards.register('card-1', {
      consumerId: 'c',
      cardProductId: 'p',
      card: { pan: PAN, exp: '1229', cvv: '123' },
    });
    env.server.tokens.revokeAll();
    await d1.cards.get('card-1');
    env.server.inject({ operationId: 'getCard', respond: { status: 503 } });
    await d1.cards.get('card-1');
    env.server.inject({ operationId: 'getCard', respond: { status: 200, body: { cardId: PAN.repeat(4) } } });
    await d1.cards.get('card-1');
    await d1.cards
      .register('card-2', {
        consumerId: 'c',
        cardProductId: 'p',
        card: { pan: OTHER_PAN.slice(0, -1), exp: '1229' },
      })
      .catch(keep);
    await d1.cards
      .register('card-2', { consumerId: 'c', cardProductId: 'p', card: { pan: OTHER_PAN, exp: '13x9' } })
      .catch(keep);
    env.server.inject({ operationId: 'deleteCard', destroy: true });
    await d1.cards.delete('card-1', { reasonCode: 'CLOSED_CARD' }).catch(keep);

    const token = (await d1.tokenProvider!.getToken()).accessToken;
    const everything = [...lines, ...errors].join('\n');
    expect(lines.length).toBeGreaterThan(5);
    expect(errors).toHaveLength(3);
    for (const secret of [PAN, OTHER_PAN, OTHER_PAN.slice(0, -1), token, '"1229"', '"123"']) {
      expect(everything).not.toContain(secret);
    }
    // Compact JWS/JWE/JWT all start with a base64url JSON header.
    expect(everything).not.toContain('eyJ');
    // No card-number-like digit run (correlation ids are UUIDs, whose last group may be all digits).
    const withoutIds = everything.replace(
      /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
      'id',
    );
    expect(withoutIds).not.toMatch(/\d{12,}/);
  });
});
