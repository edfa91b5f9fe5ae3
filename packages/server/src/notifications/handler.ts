import { createHash } from 'node:crypto';
import { ServerError } from '../errors.js';
import type { HandlerContext, HandlerInput, OperationHandler } from '../operation-types.js';
import { unknownValueFinder } from './known-values.js';
import type { NotificationEvent, NotificationStore } from './store.js';

export type NotificationOperationId = 'notifyCardOperations' | 'notifyCardAuthorisations';

/** One item of the `operations` array, as the spec types it (unknown enum values arrive as strings). */
type ItemOf<Body> = Body extends { readonly operations: readonly (infer Item)[] } ? Item : never;
export type NotificationItem<Id extends NotificationOperationId> = ItemOf<HandlerInput<Id>['body']>;

export interface NotificationContext extends HandlerContext {
  readonly issuerId: string;
  /**
   * True when an item of the same operation with a later `endTime`/`startTime` was processed already:
   * delivery can be out of order, so apply state only from items that are not superseded.
   */
  readonly superseded: boolean;
  /** JSON pointers of fields whose value is not in the spec's known list (logged, never refused). */
  readonly unknownFields: readonly string[];
}

export interface NotificationHandlerOptions<Id extends NotificationOperationId> {
  readonly store: NotificationStore;
  /**
   * Called once per new item, oldest first. Resolve only when the work is durable: the server answers
   * 204 after this and the store write have both resolved; a rejection answers 500 so D1 sends again.
   */
  readonly onNotification: (item: NotificationItem<Id>, context: NotificationContext) => Promise<void> | void;
  /** How long a claim blocks other deliveries of the same item before it counts as abandoned. Default 60. */
  readonly leaseSeconds?: number;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function timeOf(item: { readonly startTime?: unknown; readonly endTime?: unknown }): number | null {
  for (const value of [item.endTime, item.startTime]) {
    const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isFinite(ms)) return ms;
  }
  return null;
}

const ENUM_LIKE = /^[A-Za-z0-9_.-]{1,40}$/;

/**
 * A handler for a D1 notification endpoint that de-duplicates (per operationId and content, in a durable
 * store), orders each batch by event time, flags items older than what was already applied, and reports
 * unknown enum values instead of refusing them. It answers 204 only once everything is durable.
 */
export function createNotificationHandler<Id extends NotificationOperationId>(
  operationId: Id,
  options: NotificationHandlerOptions<Id>,
): OperationHandler<Id> {
  if (typeof options?.store?.claim !== 'function') {
    throw new ServerError('CONFIG_INVALID', 'store must be a NotificationStore');
  }
  if (typeof options.onNotification !== 'function') {
    throw new ServerError('CONFIG_INVALID', 'onNotification must be a function');
  }
  const leaseSeconds = options.leaseSeconds ?? 60;
  if (!Number.isFinite(leaseSeconds) || leaseSeconds < 1 || leaseSeconds > 3600) {
    throw new ServerError('CONFIG_INVALID', 'leaseSeconds must be 1-3600');
  }
  const findUnknown = unknownValueFinder(operationId);
  const { store } = options;

  const handler = async (input: HandlerInput<Id>, context: HandlerContext) => {
    const issuerId = (input.params as { issuerId: string }).issuerId;
    const scope = `${operationId}:${issuerId}`;
    const batch = new Map<string, { item: NotificationItem<Id>; event: NotificationEvent }>();
    const items = (input.body as unknown as { readonly operations: readonly NotificationItem<Id>[] })
      .operations;
    for (const item of items) {
      const fingerprint = createHash('sha256').update(canonical(item)).digest('base64url');
      if (batch.has(fingerprint)) continue; // the same item twice in one request
      const { operationId: itemId, cardId } = item as { operationId: string; cardId: string };
      batch.set(fingerprint, {
        item,
        event: {
          scope,
          operationId: itemId,
          cardId,
          fingerprint,
          eventTime: timeOf(item as { startTime?: unknown; endTime?: unknown }),
        },
      });
    }
    const ordered = [...batch.values()].sort(
      (a, b) =>
        (a.event.eventTime ?? Number.POSITIVE_INFINITY) - (b.event.eventTime ?? Number.POSITIVE_INFINITY),
    );
    for (const { item, event } of ordered) {
      const claim = await store.claim(event, leaseSeconds * 1000);
      if (claim.outcome === 'duplicate') {
        context.logger.info(
          { event: 'notification.duplicate', itemOperationId: event.operationId },
          'skipped',
        );
        continue;
      }
      if (claim.outcome === 'in-progress') {
        throw new ServerError(
          'NOTIFICATION_IN_PROGRESS',
          'another delivery of this notification is in progress',
        );
      }
      const unknownFields = findUnknown(item);
      for (const pointer of unknownFields) {
        const value = pointer
          .split('/')
          .slice(1)
          .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], item);
        context.logger.info(
          {
            event: 'notification.unknown_value',
            pointer,
            value: ENUM_LIKE.test(String(value)) ? value : '(not shown)',
          },
          'value not in the published list; accepted',
        );
      }
      try {
        // Not a spread: `logger` and `request` are getters on the context and must stay live.
        const itemContext: NotificationContext = {
          operationId: context.operationId,
          correlationId: context.correlationId,
          client: context.client,
          bearer: context.bearer,
          get logger() {
            return context.logger;
          },
          get request() {
            return context.request;
          },
          issuerId,
          superseded: claim.superseded,
          unknownFields,
        };
        await options.onNotification(item, itemContext);
        await store.complete(event, claim.claimId);
      } catch (error) {
        await store
          .release(event, claim.claimId)
          .catch((releaseError: unknown) =>
            context.logger.warn(
              { event: 'notification.release_failed', errorCode: (releaseError as { code?: unknown })?.code },
              'claim left to expire',
            ),
          );
        throw error;
      }
    }
    return { status: 204 as const };
  };
  return handler as unknown as OperationHandler<Id>;
}
