import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ISSUER_ID, startTestIssuer, type TestIssuer } from '../test-support.js';
import { createNotificationHandler, type NotificationContext, type NotificationItem } from './handler.js';
import { SqlNotificationStore } from './sql-store.js';
import type { NotificationStore } from './store.js';

const CARDS = `/notifications/d1/v2/issuers/${ISSUER_ID}/cards`;
const AUTHORISATIONS = `/notifications/d1/v2/issuers/${ISSUER_ID}/authorisations`;

type Seen = {
  item: NotificationItem<'notifyCardOperations'>;
  superseded: boolean;
  unknownFields: readonly string[];
};
const seen: Seen[] = [];
const authorisations: NotificationItem<'notifyCardAuthorisations'>[] = [];
/** Item operationIds whose next processing fails once, and whether the next store write fails. */
const failHandlerOnce = new Set<string>();
let failStoreOnce = false;
let gate: Promise<void> | undefined;

const op = (overrides: Record<string, unknown> = {}) => ({
  operationId: 'op-100',
  operation: 'PRODUCE',
  status: 'PENDING',
  startTime: '2025-01-17T06:28:02.492Z',
  cardId: 'card-7',
  details: { status: 'CARD_PROD_REQUESTED' },
  ...overrides,
});

let db: PGlite;
let issuer: TestIssuer;
let store: SqlNotificationStore;

beforeAll(async () => {
  db = new PGlite();
  const sql = await SqlNotificationStore.open({ query: (text, params) => db.query(text, [...params]) });
  store = sql;
  // A store whose writes can be made to fail, to check that 204 waits for durability.
  const flaky: NotificationStore = {
    claim: (event, lease) => sql.claim(event, lease),
    release: (event, claimId) => sql.release(event, claimId),
    complete: async (event, claimId) => {
      if (failStoreOnce) {
        failStoreOnce = false;
        throw new Error('disk full');
      }
      return sql.complete(event, claimId);
    },
  };
  issuer = await startTestIssuer({
    handlers: {
      notifyCardOperations: createNotificationHandler('notifyCardOperations', {
        store: flaky,
        onNotification: async (item, context: NotificationContext) => {
          if (gate) await gate;
          if (failHandlerOnce.delete(item.operationId)) throw new Error('core banking unavailable');
          context.logger.info({ event: 'test.item', itemOperationId: item.operationId }, 'item processed');
          seen.push({ item, superseded: context.superseded, unknownFields: context.unknownFields });
        },
      }),
      notifyCardAuthorisations: createNotificationHandler('notifyCardAuthorisations', {
        store: flaky,
        onNotification: (item) => {
          authorisations.push(item);
        },
      }),
    },
  });
});
afterAll(async () => {
  await issuer?.close();
  await db?.close();
});
beforeEach(() => {
  seen.length = 0;
});

const notify = (operations: unknown[], path = CARDS) => issuer.call('POST', path, { body: { operations } });

describe('notification helper over HTTPS + mTLS with a PGlite store', () => {
  it('processes a redelivered item once (same operationId and content), answering 204 both times', async () => {
    const item = op({ operationId: 'dup-1' });
    expect((await notify([item])).status).toBe(204);
    expect((await notify([item])).status).toBe(204);
    expect((await notify([item, item])).status).toBe(204);
    expect(seen.map((s) => s.item.operationId)).toEqual(['dup-1']);
    const logged = issuer.logger.entries.find(
      (e) => e.fields.event === 'test.item' && e.fields.itemOperationId === 'dup-1',
    );
    expect(logged?.fields).toMatchObject({
      operationId: 'notifyCardOperations',
      correlationId: expect.any(String),
    });
  });

  it('treats a new status of the same operationId as new, and flags one that arrives late', async () => {
    const requested = op({ operationId: 'prog-1', startTime: '2025-01-17T06:00:00.000Z' });
    const done = op({
      operationId: 'prog-1',
      status: 'SUCCESSFUL',
      startTime: '2025-01-17T06:00:00.000Z',
      endTime: '2025-01-18T09:00:00.000Z',
      details: { status: 'CARD_SHIPPED' },
    });
    expect((await notify([done])).status).toBe(204);
    expect((await notify([requested])).status).toBe(204);
    expect(seen.map((s) => [s.item.status, s.superseded])).toEqual([
      ['SUCCESSFUL', false],
      ['PENDING', true],
    ]);
  });

  it('orders a batch by event time, not by position', async () => {
    const later = op({ operationId: 'ord-1', status: 'SUCCESSFUL', endTime: '2025-02-01T00:00:00.000Z' });
    const earlier = op({ operationId: 'ord-1', startTime: '2025-01-01T00:00:00.000Z' });
    expect((await notify([later, earlier])).status).toBe(204);
    expect(seen.map((s) => [s.item.status, s.superseded])).toEqual([
      ['PENDING', false],
      ['SUCCESSFUL', false],
    ]);
  });

  it('accepts enum values it does not know, reporting their pointers', async () => {
    const novel = op({
      operationId: 'new-1',
      operation: 'QUANTUM_TOKENIZE',
      details: { status: 'ON_HOLD_CUSTOMS' },
    });
    expect((await notify([novel])).status).toBe(204);
    expect(seen[0]?.unknownFields).toEqual(['/operation', '/details/status']);
    expect(seen[0]?.item.operation).toBe('QUANTUM_TOKENIZE');
    const logged = issuer.logger.entries.filter((e) => e.fields.event === 'notification.unknown_value');
    expect(logged.map((e) => e.fields.value)).toEqual(
      expect.arrayContaining(['QUANTUM_TOKENIZE', 'ON_HOLD_CUSTOMS']),
    );
  });

  it('answers 500 when the handler fails, and processes the resend', async () => {
    failHandlerOnce.add('retry-1');
    const item = op({ operationId: 'retry-1' });
    const first = await notify([item]);
    expect([first.status, first.json().error]).toEqual([500, 'INTERNAL_ERROR']);
    expect((await notify([item])).status).toBe(204);
    expect(seen.map((s) => s.item.operationId)).toEqual(['retry-1']);
  });

  it('answers 500 when the store write fails, so D1 resends (the handler runs again: at least once)', async () => {
    failStoreOnce = true;
    const item = op({ operationId: 'retry-2' });
    expect((await notify([item])).status).toBe(500);
    expect((await notify([item])).status).toBe(204);
    expect((await notify([item])).status).toBe(204);
    expect(seen.map((s) => s.item.operationId)).toEqual(['retry-2', 'retry-2']);
  });

  it('keeps items processed before a failure in the same batch, so the resend skips them', async () => {
    const a = op({ operationId: 'batch-a', startTime: '2025-01-01T00:00:00.000Z' });
    const b = op({ operationId: 'batch-b', startTime: '2025-01-02T00:00:00.000Z' });
    failHandlerOnce.add('batch-b');
    expect((await notify([a, b])).status).toBe(500);
    expect((await notify([a, b])).status).toBe(204);
    expect(seen.map((s) => s.item.operationId)).toEqual(['batch-a', 'batch-b']);
  });

  it('answers 500 to a concurrent delivery of an item still being processed', async () => {
    let open: () => void = () => {};
    gate = new Promise((resolve) => {
      open = resolve;
    });
    const item = op({ operationId: 'slow-1' });
    const first = notify([item]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await notify([item]);
    expect(second.status).toBe(500);
    open();
    gate = undefined;
    expect((await first).status).toBe(204);
    expect((await notify([item])).status).toBe(204);
    expect(seen.map((s) => s.item.operationId)).toEqual(['slow-1']);
  });

  it('de-duplicates authorisations too (RRN plus content)', async () => {
    const rrn = {
      operationId: '123456789012',
      operation: 'WITHDRAWAL',
      status: 'DECLINED',
      errorCode: 'NSF',
      startTime: '2025-03-01T10:00:00Z',
      cardId: 'card-7',
    };
    expect((await notify([rrn], AUTHORISATIONS)).status).toBe(204);
    expect((await notify([rrn], AUTHORISATIONS)).status).toBe(204);
    expect((await notify([{ ...rrn, cardId: 'card-8' }], AUTHORISATIONS)).status).toBe(204);
    expect(authorisations.map((a) => a.cardId)).toEqual(['card-7', 'card-8']);
  });

  it('still validates the body before any store work', async () => {
    const reply = await notify([op({ cardId: undefined })]);
    expect([reply.status, reply.json().message]).toEqual([
      400,
      expect.stringMatching(/^\/body\/operations\/0\/cardId: /),
    ]);
    expect(
      await store.claim(
        { scope: 'x', operationId: 'y', cardId: 'z', fingerprint: 'w', eventTime: null },
        1000,
      ),
    ).toMatchObject({ outcome: 'claimed' });
  });
});
