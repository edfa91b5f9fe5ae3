import { randomUUID } from 'node:crypto';

/** One delivered notification item, as the store keys it. */
export interface NotificationEvent {
  /** The stream: endpoint and issuer, e.g. `notifyCardOperations:D1KITDEV01`. */
  readonly scope: string;
  readonly operationId: string;
  readonly cardId: string;
  /**
   * SHA-256 of the item's canonical JSON. D1 reuses one operationId for every status change of an
   * operation, so a redelivery is the same operationId with the same content, not just the same id.
   */
  readonly fingerprint: string;
  /** `endTime`, else `startTime`, in epoch ms; null when neither is a parseable time. */
  readonly eventTime: number | null;
}

export type ClaimResult =
  /** New (or an abandoned claim whose lease ran out): process it, then `complete` or `release`. */
  | { readonly outcome: 'claimed'; readonly claimId: string; readonly superseded: boolean }
  /** Already processed: skip it. */
  | { readonly outcome: 'duplicate' }
  /** Another delivery is processing it right now. */
  | { readonly outcome: 'in-progress' };

/**
 * Where processed notifications are remembered. `claim` must be atomic: of two concurrent claims of the
 * same event exactly one gets `claimed`. A claim that is never completed (the process died) can be taken
 * over once its lease has run out, so a crash cannot lose a notification.
 */
export interface NotificationStore {
  claim(event: NotificationEvent, leaseMs: number): Promise<ClaimResult>;
  /** Marks the event processed. Only the holder of `claimId` can. */
  complete(event: NotificationEvent, claimId: string): Promise<void>;
  /** Gives the event up after a failure, so D1's resend processes it again. */
  release(event: NotificationEvent, claimId: string): Promise<void>;
}

interface Entry {
  state: 'pending' | 'done';
  claimId: string | undefined;
  leaseUntil: number;
  readonly cardId: string;
  readonly eventTime: number | null;
  completedAt: number | undefined;
}

/**
 * A NotificationStore in process memory: right for tests and single-instance development, not durable
 * across restarts (use the SQL store in production).
 */
export class MemoryNotificationStore implements NotificationStore {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(options: { readonly now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  static #key(event: NotificationEvent): string {
    return JSON.stringify([event.scope, event.operationId, event.fingerprint]);
  }

  async claim(event: NotificationEvent, leaseMs: number): Promise<ClaimResult> {
    const key = MemoryNotificationStore.#key(event);
    const now = this.#now();
    const entry = this.#entries.get(key);
    if (entry?.state === 'done') return { outcome: 'duplicate' };
    if (entry && entry.leaseUntil > now) return { outcome: 'in-progress' };
    const claimId = randomUUID();
    this.#entries.set(key, {
      state: 'pending',
      claimId,
      leaseUntil: now + leaseMs,
      cardId: event.cardId,
      eventTime: event.eventTime,
      completedAt: undefined,
    });
    return { outcome: 'claimed', claimId, superseded: this.#superseded(event) };
  }

  #superseded(event: NotificationEvent): boolean {
    if (event.eventTime === null) return false;
    for (const [key, entry] of this.#entries) {
      const [scope, operationId] = JSON.parse(key) as [string, string];
      if (
        entry.state === 'done' &&
        scope === event.scope &&
        operationId === event.operationId &&
        entry.cardId === event.cardId &&
        entry.eventTime !== null &&
        entry.eventTime > event.eventTime
      ) {
        return true;
      }
    }
    return false;
  }

  async complete(event: NotificationEvent, claimId: string): Promise<void> {
    const entry = this.#entries.get(MemoryNotificationStore.#key(event));
    if (entry?.state !== 'pending' || entry.claimId !== claimId) return;
    entry.state = 'done';
    entry.claimId = undefined;
    entry.completedAt = this.#now();
  }

  async release(event: NotificationEvent, claimId: string): Promise<void> {
    const key = MemoryNotificationStore.#key(event);
    const entry = this.#entries.get(key);
    if (entry?.state === 'pending' && entry.claimId === claimId) this.#entries.delete(key);
  }

  /** Forgets processed events completed before `beforeMs` (a redelivery after that is processed again). */
  async prune(beforeMs: number): Promise<number> {
    let removed = 0;
    for (const [key, entry] of this.#entries) {
      if (entry.state === 'done' && (entry.completedAt ?? 0) < beforeMs) {
        this.#entries.delete(key);
        removed += 1;
      }
    }
    return removed;
  }
}
