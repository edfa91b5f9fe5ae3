import { createHash, randomBytes } from 'node:crypto';
import { type PlaintextSchemaName, plaintextSchemas } from '@d1kit/generated';
import { type DecryptionKeySet, decrypt } from '@d1kit/jwe';
import { Ajv, type ValidateFunction } from 'ajv';
import { maskPan } from '../logger.js';

/** What the simulator keeps of a card. Never the PAN: its masked form proves the JWE arrived intact. */
export interface SimulatedCard {
  readonly cardId: string;
  consumerId: string;
  cardProductId: string;
  state: 'ACTIVE' | 'INACTIVE' | 'SUSPENDED' | 'DELETED';
  suspendReason?: string;
  maskedPan?: string;
  /** SHA-256 of the PAN, to refuse a deleted PAN later without keeping it. */
  panDigest?: string;
  exp?: string;
}

export interface SimulatedOrder {
  readonly cardId: string;
  readonly operationId: string;
  readonly issuerRequestId: string | undefined;
  readonly distributionChannel: string;
  readonly maskedPan: string;
  readonly exp: string;
  readonly startTime: string;
}

export interface SimulatorRequest {
  readonly operationId: string;
  readonly params: Readonly<Record<string, string>>;
  readonly body: Record<string, unknown> | undefined;
}

export interface SimulatorReply {
  readonly status: number;
  readonly body?: unknown;
}

const ajv = new Ajv({ strict: false, allErrors: false });
const validators = new Map<string, ValidateFunction>();
const operationId = () => randomBytes(9).toString('base64url');
const digest = (pan: string) => createHash('sha256').update(pan).digest('hex');
const error = (status: number, code: string, message: string): SimulatorReply => ({
  status,
  body: { code, message },
});

/**
 * The D1 side of the inbound operations, in memory: card life cycle with D1's reason-code rules, card
 * orders idempotent on issuerRequestId, production status. Card data is decrypted with D1's key and
 * checked against the plaintext schema, as D1 would.
 */
export class CardSimulator {
  readonly cards = new Map<string, SimulatedCard>();
  readonly orders = new Map<string, SimulatedOrder>();
  readonly #deletedPans = new Set<string>();

  constructor(private readonly d1Keys: DecryptionKeySet) {}

  async #open(jwe: unknown, schema: PlaintextSchemaName): Promise<Record<string, string> | SimulatorReply> {
    let plaintext: unknown;
    try {
      plaintext = JSON.parse(
        Buffer.from((await decrypt(String(jwe), this.d1Keys)).plaintext).toString('utf8'),
      );
    } catch {
      return error(400, 'INVALID_ENCRYPTED_DATA', 'encryptedData could not be decrypted');
    }
    let validate = validators.get(schema);
    if (!validate) {
      validate = ajv.compile(plaintextSchemas[schema]);
      validators.set(schema, validate);
    }
    if (!validate(plaintext)) return error(400, 'INVALID_ENCRYPTED_DATA', 'encryptedData content is invalid');
    return plaintext as Record<string, string>;
  }

  async handle(request: SimulatorRequest): Promise<SimulatorReply> {
    const { params } = request;
    const body = request.body ?? {};
    const card = params.cardId === undefined ? undefined : this.cards.get(params.cardId);
    const live = card && card.state !== 'DELETED' ? card : undefined;
    switch (request.operationId) {
      case 'createCard': {
        const cardId = `c${randomBytes(8).toString('hex')}`;
        this.cards.set(cardId, {
          cardId,
          consumerId: String(body.consumerId),
          cardProductId: String(body.cardProductId),
          state: body.state === 'INACTIVE' ? 'INACTIVE' : 'ACTIVE',
        });
        return { status: 201, body: { cardId, operationId: operationId() } };
      }
      case 'registerCard': {
        const opened = await this.#open(body.encryptedData, 'CardCredentials');
        if ('status' in opened) return opened as SimulatorReply;
        const maskedPan = maskPan(opened.pan!);
        const panDigest = digest(opened.pan!);
        if (this.#deletedPans.has(panDigest))
          return error(403, 'PAN_NOT_REUSABLE', 'this PAN was deleted or replaced');
        if (live && live.panDigest !== panDigest)
          return error(403, 'CARD_ID_IN_USE', 'cardId belongs to another card');
        this.cards.set(params.cardId!, {
          cardId: params.cardId!,
          consumerId: String(body.consumerId),
          cardProductId: String(body.cardProductId),
          state: body.state === 'INACTIVE' ? 'INACTIVE' : 'ACTIVE',
          maskedPan,
          panDigest,
          exp: opened.exp!,
        });
        return { status: 204 };
      }
      case 'getCard':
        if (!live) return error(404, 'CARD_NOT_FOUND', 'no such card');
        return {
          status: 200,
          body: { cardId: live.cardId, consumerId: live.consumerId, cardProductId: live.cardProductId },
        };
      case 'suspendCard':
        if (!live) return error(404, 'CARD_NOT_FOUND', 'no such card');
        if (live.state !== 'ACTIVE')
          return error(403, 'INVALID_CARD_STATE', 'only an active card can be suspended');
        live.state = 'SUSPENDED';
        live.suspendReason = String(body.reasonCode ?? 'ISSUER_DECISION');
        return { status: 204 };
      case 'resumeCard':
        return this.#resume(live, String(body.reasonCode ?? 'ISSUER_DECISION'));
      case 'deleteCard':
        if (!live) return error(404, 'CARD_NOT_FOUND', 'no such card');
        live.state = 'DELETED';
        if (live.panDigest) this.#deletedPans.add(live.panDigest);
        return { status: 204 };
      case 'renewCard':
      case 'replaceCard': {
        if (!live) return error(404, 'CARD_NOT_FOUND', 'no such card');
        if (body.encryptedData !== undefined) {
          const opened = await this.#open(body.encryptedData, 'CardCredentials');
          if ('status' in opened) return opened as SimulatorReply;
          if (request.operationId === 'replaceCard' && live.panDigest) this.#deletedPans.add(live.panDigest);
          live.maskedPan = maskPan(opened.pan!);
          live.panDigest = digest(opened.pan!);
          live.exp = opened.exp!;
        }
        return { status: 202, body: { operationId: operationId() } };
      }
      case 'orderPhysicalCard':
        return this.#order(params.cardId!, body);
      case 'getPhysicalCardProductionStatus':
        return this.#status(params.cardId!);
      default:
        return error(501, 'NOT_SIMULATED', 'the simulator does not implement this operation');
    }
  }

  #resume(card: SimulatedCard | undefined, reasonCode: string): SimulatorReply {
    if (!card) return error(404, 'CARD_NOT_FOUND', 'no such card');
    if (card.state !== 'SUSPENDED') return error(403, 'INVALID_CARD_STATE', 'the card is not suspended');
    const reason = card.suspendReason;
    if (reason === 'CARD_STOLEN' || reason === 'CARD_BROKEN' || reason === 'FRAUD') {
      return error(403, 'REASON_NOT_ALLOWED', 'this card stays suspended until it is replaced');
    }
    if (reasonCode === 'CARD_FOUND' && reason !== 'CARD_LOST') {
      return error(403, 'REASON_NOT_ALLOWED', 'CARD_FOUND only resumes a CARD_LOST suspension');
    }
    if (reasonCode === 'USER_DECISION' && reason !== 'USER_DECISION') {
      return error(403, 'REASON_NOT_ALLOWED', 'USER_DECISION only resumes a USER_DECISION suspension');
    }
    card.state = 'ACTIVE';
    delete card.suspendReason;
    return { status: 204 };
  }

  async #order(cardId: string, body: Record<string, unknown>): Promise<SimulatorReply> {
    const issuerRequestId = typeof body.issuerRequestId === 'string' ? body.issuerRequestId : undefined;
    const existing = this.orders.get(cardId);
    if (existing) {
      // The same issuerRequestId is a retry of the same order: answered again, not produced twice.
      if (issuerRequestId !== undefined && existing.issuerRequestId === issuerRequestId) {
        return { status: 202, body: { operationId: existing.operationId } };
      }
      return error(409, 'ORDER_EXISTS', 'an order already exists for this card');
    }
    const opened = await this.#open(body.encryptedData, 'PhysicalCardData');
    if ('status' in opened) return opened as SimulatorReply;
    const order: SimulatedOrder = {
      cardId,
      operationId: operationId(),
      issuerRequestId,
      distributionChannel: String(body.distributionChannel),
      maskedPan: maskPan(opened.pan!),
      exp: opened.exp!,
      startTime: new Date().toISOString(),
    };
    this.orders.set(cardId, order);
    return { status: 202, body: { operationId: order.operationId } };
  }

  #status(cardId: string): SimulatorReply {
    const order = this.orders.get(cardId);
    if (!order) return error(404, 'ORDER_NOT_FOUND', 'no order for this card');
    // An instant card is printed at the branch right away; central production takes its time.
    const instant = order.distributionChannel === 'INSTANT';
    return {
      status: 200,
      body: {
        operations: [
          {
            operationId: order.operationId,
            operation: 'PRODUCE',
            status: instant ? 'SUCCESSFUL' : 'PENDING',
            startTime: order.startTime,
            ...(instant ? { endTime: new Date().toISOString() } : {}),
            cardId,
            ...(order.issuerRequestId ? { issuerRequestId: order.issuerRequestId } : {}),
            details: { status: instant ? 'CARD_PROD_DONE' : 'CARD_PROD_REQUESTED' },
          },
        ],
      },
    };
  }
}
