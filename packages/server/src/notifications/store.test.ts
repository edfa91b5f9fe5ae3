import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqlNotificationStore } from './sql-store.js';
import { MemoryNotificationStore, type NotificationEvent, type NotificationStore } from './store.js';

let clock = 1_000_000;
const now = () => clock;
let db: PGlite;
let tables = 0;

beforeAll(async () => {
  db = new PGlite();
  await db.waitReady;
});
afterAll(() => db?.close());

const factories: [string, () => Promise<NotificationStore>][] = [
  ['memory', async () => new MemoryNotificationStore({ now })],
  [
    'sql (PGlite)',
    async () => {
      tables += 1;
      return SqlNotificationStore.open({
        query: (text, params) => db.query(text, [...params]),
        table: `events_${tables}`,
        now,
      });
    },
  ],
];

const event = (overrides: Partial<NotificationEvent> = {}): NotificationEvent => ({
  scope: 'notifyCardOperations:D1KITDEV01',
  operationId: 'op-1',
  cardId: 'card-1',
  fingerprint: 'fp-1',
  eventTime: 2_000,
  ...overrides,
});

describe.each(factories)('%s notification store', (_name, open) => {
  it('claims a new event once, reports duplicates after completion and in-progress while held', async () => {
    const store = await open();
    const first = await store.claim(event(), 60_000);
    expect(first).toMatchObject({ outcome: 'claimed', superseded: false });
    expect(await store.claim(event(), 60_000)).toEqual({ outcome: 'in-progress' });
    await store.complete(event(), (first as { claimId: string }).claimId);
    expect(await store.claim(event(), 60_000)).toEqual({ outcome: 'duplicate' });
  });

  it('lets exactly one of two concurrent claims win', async () => {
    const store = await open();
    const outcomes = await Promise.all([store.claim(event(), 60_000), store.claim(event(), 60_000)]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['claimed', 'in-progress']);
  });

  it('gives a released event to the next delivery', async () => {
    const store = await open();
    const first = (await store.claim(event(), 60_000)) as { claimId: string };
    await store.release(event(), first.claimId);
    expect((await store.claim(event(), 60_000)).outcome).toBe('claimed');
  });

  it('lets a delivery take over a claim whose lease ran out; the stale holder can no longer complete', async () => {
    const store = await open();
    const stale = (await store.claim(event(), 1_000)) as { claimId: string };
    clock += 1_001;
    const fresh = (await store.claim(event(), 60_000)) as { outcome: string; claimId: string };
    expect(fresh.outcome).toBe('claimed');
    await store.complete(event(), stale.claimId);
    expect((await store.claim(event(), 60_000)).outcome).toBe('in-progress');
    await store.complete(event(), fresh.claimId);
    expect((await store.claim(event(), 60_000)).outcome).toBe('duplicate');
  });

  it('keeps scopes and fingerprints apart', async () => {
    const store = await open();
    for (const e of [
      event(),
      event({ scope: 'notifyCardAuthorisations:D1KITDEV01' }),
      event({ fingerprint: 'fp-2' }),
    ]) {
      expect((await store.claim(e, 60_000)).outcome).toBe('claimed');
    }
  });

  it('flags an event older than one already processed for the same operation and card', async () => {
    const store = await open();
    const late = (await store.claim(event({ fingerprint: 'done', eventTime: 5_000 }), 60_000)) as {
      claimId: string;
    };
    await store.complete(event({ fingerprint: 'done', eventTime: 5_000 }), late.claimId);
    expect(await store.claim(event({ fingerprint: 'older', eventTime: 4_000 }), 60_000)).toMatchObject({
      superseded: true,
    });
    expect(await store.claim(event({ fingerprint: 'newer', eventTime: 6_000 }), 60_000)).toMatchObject({
      superseded: false,
    });
    expect(
      await store.claim(event({ fingerprint: 'other-card', cardId: 'card-2', eventTime: 1 }), 60_000),
    ).toMatchObject({
      superseded: false,
    });
    expect(await store.claim(event({ fingerprint: 'untimed', eventTime: null }), 60_000)).toMatchObject({
      superseded: false,
    });
  });

  it('prunes processed events completed before a cut-off', async () => {
    const store = (await open()) as NotificationStore & { prune(before: number): Promise<number> };
    const claim = (await store.claim(event(), 60_000)) as { claimId: string };
    await store.complete(event(), claim.claimId);
    expect(await store.prune(clock + 1)).toBe(1);
    expect((await store.claim(event(), 60_000)).outcome).toBe('claimed');
  });
});

describe('SqlNotificationStore configuration and failures', () => {
  it('refuses table names that are not plain identifiers', async () => {
    for (const table of ['x; DROP TABLE y', 'Events', 'a.b.c', '"quoted"', '']) {
      await expect(
        SqlNotificationStore.open({ query: (t, p) => db.query(t, [...p]), table }),
      ).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
      });
    }
    await expect(SqlNotificationStore.open({ query: undefined as never })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
  });

  it('accepts a schema-qualified table', async () => {
    await db.query('CREATE SCHEMA IF NOT EXISTS d1kit');
    const store = await SqlNotificationStore.open({
      query: (t, p) => db.query(t, [...p]),
      table: 'd1kit.notifications',
    });
    expect((await store.claim(event(), 60_000)).outcome).toBe('claimed');
  });

  it('reports a failing database as NOTIFICATION_STORE_FAILED without its message', async () => {
    let fail = false;
    const store = await SqlNotificationStore.open({
      query: async (text, params) => {
        if (fail) throw new Error('connection to 10.0.0.5 refused (password=hunter2)');
        return db.query(text, [...params]);
      },
      table: 'events_failing',
    });
    fail = true;
    const error = await store.claim(event(), 60_000).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ServerError', code: 'NOTIFICATION_STORE_FAILED' });
    expect(String((error as Error).message)).not.toContain('hunter2');
  });
});
