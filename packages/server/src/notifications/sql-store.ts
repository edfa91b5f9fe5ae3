import { randomUUID } from 'node:crypto';
import { ServerError } from '../errors.js';
import type { ClaimResult, NotificationEvent, NotificationStore } from './store.js';

/**
 * The one call the SQL store needs, in PostgreSQL dialect with `$1` placeholders. Both
 * `new PGlite().query` and `new pg.Pool().query` fit (pass `(text, params) => pool.query(text, params)`).
 */
export type SqlQuery = (
  text: string,
  params: readonly unknown[],
) => Promise<{ readonly rows: readonly Record<string, unknown>[] }>;

export interface SqlNotificationStoreOptions {
  readonly query: SqlQuery;
  /** Table name (optionally `schema.table`); created if missing. Default `d1kit_notifications`. */
  readonly table?: string;
  readonly now?: () => number;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?$/;

function storeFailure(cause: unknown): ServerError {
  return new ServerError('NOTIFICATION_STORE_FAILED', 'the notification store could not be reached', {
    cause,
  });
}

/**
 * A NotificationStore in PostgreSQL (or PGlite). `claim` is one `INSERT … ON CONFLICT DO UPDATE … WHERE`
 * statement, so two deliveries of the same event racing on two instances cannot both win.
 */
export class SqlNotificationStore implements NotificationStore {
  readonly #query: SqlQuery;
  readonly #table: string;
  readonly #now: () => number;

  private constructor(options: SqlNotificationStoreOptions, table: string) {
    this.#query = options.query;
    this.#table = table;
    this.#now = options.now ?? Date.now;
  }

  /** Checks the options, creates the table and index if needed, and returns the store. */
  static async open(options: SqlNotificationStoreOptions): Promise<SqlNotificationStore> {
    if (typeof options?.query !== 'function')
      throw new ServerError('CONFIG_INVALID', 'query must be a function');
    const table = options.table ?? 'd1kit_notifications';
    if (!IDENTIFIER.test(table)) {
      throw new ServerError(
        'CONFIG_INVALID',
        'table must be a lower-case SQL identifier, optionally schema-qualified',
      );
    }
    const store = new SqlNotificationStore(options, table);
    await store.#run(
      `CREATE TABLE IF NOT EXISTS ${table} (
        scope text NOT NULL,
        operation_id text NOT NULL,
        fingerprint text NOT NULL,
        card_id text NOT NULL,
        event_time bigint,
        state text NOT NULL CHECK (state IN ('pending', 'done')),
        claim_id text,
        lease_until bigint NOT NULL,
        received_at bigint NOT NULL,
        completed_at bigint,
        PRIMARY KEY (scope, operation_id, fingerprint)
      )`,
      [],
    );
    await store.#run(
      `CREATE INDEX IF NOT EXISTS ${table.replace('.', '_')}_by_operation
         ON ${table} (scope, operation_id, card_id, event_time) WHERE state = 'done'`,
      [],
    );
    return store;
  }

  async #run(text: string, params: readonly unknown[]) {
    try {
      return await this.#query(text, params);
    } catch (error) {
      throw storeFailure(error);
    }
  }

  async claim(event: NotificationEvent, leaseMs: number): Promise<ClaimResult> {
    const now = this.#now();
    const claimId = randomUUID();
    const key = [event.scope, event.operationId, event.fingerprint];
    const claimed = await this.#run(
      `INSERT INTO ${this.#table} AS t
         (scope, operation_id, fingerprint, card_id, event_time, state, claim_id, lease_until, received_at)
       VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8)
       ON CONFLICT (scope, operation_id, fingerprint) DO UPDATE
         SET claim_id = EXCLUDED.claim_id, lease_until = EXCLUDED.lease_until
         WHERE t.state = 'pending' AND t.lease_until <= $8
       RETURNING claim_id`,
      [...key, event.cardId, event.eventTime, claimId, now + leaseMs, now],
    );
    if (claimed.rows[0]?.claim_id === claimId) {
      return { outcome: 'claimed', claimId, superseded: await this.#superseded(event) };
    }
    const existing = await this.#run(
      `SELECT state FROM ${this.#table} WHERE scope = $1 AND operation_id = $2 AND fingerprint = $3`,
      key,
    );
    return existing.rows[0]?.state === 'done' ? { outcome: 'duplicate' } : { outcome: 'in-progress' };
  }

  async #superseded(event: NotificationEvent): Promise<boolean> {
    if (event.eventTime === null) return false;
    const later = await this.#run(
      `SELECT 1 FROM ${this.#table}
        WHERE scope = $1 AND operation_id = $2 AND card_id = $3 AND state = 'done' AND event_time > $4
        LIMIT 1`,
      [event.scope, event.operationId, event.cardId, event.eventTime],
    );
    return later.rows.length > 0;
  }

  async complete(event: NotificationEvent, claimId: string): Promise<void> {
    await this.#run(
      `UPDATE ${this.#table} SET state = 'done', claim_id = NULL, completed_at = $5
        WHERE scope = $1 AND operation_id = $2 AND fingerprint = $3 AND claim_id = $4`,
      [event.scope, event.operationId, event.fingerprint, claimId, this.#now()],
    );
  }

  async release(event: NotificationEvent, claimId: string): Promise<void> {
    await this.#run(
      `DELETE FROM ${this.#table}
        WHERE scope = $1 AND operation_id = $2 AND fingerprint = $3 AND claim_id = $4 AND state = 'pending'`,
      [event.scope, event.operationId, event.fingerprint, claimId],
    );
  }

  /** Forgets processed events completed before `beforeMs`; returns how many. */
  async prune(beforeMs: number): Promise<number> {
    const removed = await this.#run(
      `DELETE FROM ${this.#table} WHERE state = 'done' AND completed_at < $1 RETURNING 1`,
      [beforeMs],
    );
    return removed.rows.length;
  }
}
