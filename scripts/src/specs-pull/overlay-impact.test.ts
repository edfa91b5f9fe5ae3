import { describe, expect, it } from 'vitest';
import { diffSpecs } from '../contract-diff/index.js';
import { applyOverlay, type OverlayDocument } from '../lib/overlay.js';
import { inboundOverlay, inboundSpec } from './fixtures.test-helpers.js';
import { assessOverlay, operationIdLookup, replayOverlay } from './overlay-impact.js';

const overlayOf = (actions: OverlayDocument['actions']): OverlayDocument => ({
  overlay: '1.0.0',
  info: { title: 'test', version: '1' },
  actions,
});

type Doc = ReturnType<typeof inboundSpec>;
type Schemas = Record<string, { properties: Record<string, Record<string, unknown>> }>;
const schemasOf = (doc: Doc) => (doc.components as { schemas: Schemas }).schemas;

describe('replayOverlay', () => {
  it('ends with the same document as applying the whole overlay', async () => {
    const overlay = inboundOverlay() as unknown as OverlayDocument;
    const replay = await replayOverlay(inboundSpec(), overlay);
    expect(replay.effective).toEqual((await applyOverlay(inboundSpec(), overlay)).document);
    expect(operationIdLookup(replay.effective)('post', '/issuers/{issuerId}/cards')).toBe('createCard');
    expect(operationIdLookup(replay.effective)('get', '/issuers/{issuerId}/cards')).toBeUndefined();
  });

  it('records what each target matched when it ran, including nodes an earlier action created', async () => {
    const overlay = overlayOf([
      { target: '$.components.schemas', update: { D1Error: { type: 'object' } } },
      {
        target: '$.components.schemas.D1Error',
        update: { 'x-d1kit-assumption': 'G1: reason', properties: { code: { type: 'string' } } },
      },
      { target: "$.paths['/issuers/{issuerId}/cards'].post.parameters[0]", remove: true },
      { target: '$.components.schemas[?(@.type == "object")]', update: { 'x-seen': true } },
    ]);
    const { traces } = await replayOverlay(inboundSpec(), overlay);
    expect(traces[0]).toEqual({
      matched: ['/components/schemas'],
      touched: ['/components/schemas/D1Error/type'],
    });
    expect(traces[1]).toEqual({
      matched: ['/components/schemas/D1Error'],
      touched: [
        '/components/schemas/D1Error/x-d1kit-assumption',
        '/components/schemas/D1Error/properties/code/type',
      ],
    });
    expect(traces[2]?.matched).toEqual(['/paths/~1issuers~1{issuerId}~1cards/post/parameters/0']);
    expect(traces[2]?.touched).toEqual(traces[2]?.matched);
    expect(traces[3]?.matched).toEqual([
      '/components/schemas/CardRequest',
      '/components/schemas/Card',
      '/components/schemas/D1Error',
    ]);
  });
});

describe('assessOverlay', () => {
  async function assess(after: Doc, overlay: OverlayDocument) {
    const before = inboundSpec();
    const changes = diffSpecs(before, after, { direction: 'inbound' });
    return assessOverlay(
      overlay,
      await replayOverlay(before, overlay),
      await replayOverlay(after, overlay),
      changes,
    );
  }

  it('reports nothing when the pull leaves every target and write alone', async () => {
    const after = inboundSpec();
    schemasOf(after).Card!.properties.extra = { type: 'string' };
    expect(await assess(after, inboundOverlay() as unknown as OverlayDocument)).toEqual([]);
  });

  it('reports an action whose target vanished as unused, with the change that removed it', async () => {
    const after = inboundSpec();
    delete schemasOf(after).Card!.properties.status;
    const impacts = await assess(after, inboundOverlay() as unknown as OverlayDocument);
    expect(impacts).toEqual([
      {
        index: 3,
        target: '$.components.schemas.Card.properties.status',
        description: 'open enum',
        status: 'unused',
        detail:
          'matches nothing in the pulled spec (it matched /components/schemas/Card/properties/status); generation would fail',
        changes: [
          'POST /issuers/{issuerId}/cards · response 201 application/json · $.status: property-removed',
        ],
      },
    ]);
  });

  it('reports a filter target that now matches other nodes as retargeted', async () => {
    const overlay = overlayOf([
      { target: '$.components.schemas[?(@.additionalProperties == false)]', update: { 'x-closed': true } },
    ]);
    const after = inboundSpec();
    (schemasOf(after).Card as Record<string, unknown>).additionalProperties = false;
    const [impact] = await assess(after, overlay);
    expect(impact).toMatchObject({
      status: 'retargeted',
      detail:
        'now matches /components/schemas/CardRequest, /components/schemas/Card; it matched /components/schemas/CardRequest',
    });
  });

  it('reports a write beside, above or below a changed node as affected, and ignores unrelated writes', async () => {
    const overlay = overlayOf([
      {
        target: '$.components.schemas.CardRequest.properties.state',
        description: 'beside',
        update: { 'x-note': 'n' },
      },
      {
        target: '$.components.schemas.CardRequest',
        description: 'above',
        update: { properties: { state: { 'x-d': 1 } } },
      },
      {
        target: '$.components.schemas.CardRequest.properties.cardId',
        description: 'unrelated',
        update: { 'x-note': 'n' },
      },
    ]);
    const after = inboundSpec();
    (schemasOf(after).CardRequest!.properties.state!.enum as string[]).push('LOCKED');
    const impacts = await assess(after, overlay);
    expect(impacts.map((i) => [i.description, i.status])).toEqual([
      ['beside', 'affected'],
      ['above', 'affected'],
    ]);
    expect(impacts[0]?.changes).toEqual([
      'POST /issuers/{issuerId}/cards · request body application/json · $.state: enum-value-added',
    ]);
  });
});
