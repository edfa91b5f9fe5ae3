import { openapiOverlay } from 'openapi-format';
import { parse } from 'yaml';

export interface OverlayAction {
  readonly target: string;
  readonly description?: string;
  readonly update?: unknown;
  readonly remove?: boolean;
}

export interface OverlayDocument {
  readonly overlay: string;
  readonly info: { readonly title: string; readonly version: string };
  readonly extends?: string;
  readonly actions: readonly OverlayAction[];
}

export class OverlayError extends Error {
  override readonly name = 'OverlayError';
  constructor(
    readonly code: 'OVERLAY_INVALID' | 'OVERLAY_UNUSED_ACTIONS',
    message: string,
    /** For OVERLAY_UNUSED_ACTIONS: the actions whose target matched nothing. */
    readonly unusedActions: readonly OverlayAction[] = [],
  ) {
    super(message);
  }
}

export function parseOverlay(text: string, label: string): OverlayDocument {
  const doc = parse(text) as Partial<OverlayDocument> | null;
  if (!doc || typeof doc !== 'object')
    throw new OverlayError('OVERLAY_INVALID', `${label}: not a YAML mapping`);
  if (typeof doc.overlay !== 'string' || !/^1\.0\.\d+$/.test(doc.overlay)) {
    throw new OverlayError('OVERLAY_INVALID', `${label}: 'overlay' must be an Overlay 1.0.x version string`);
  }
  if (!doc.info?.title || !doc.info?.version) {
    throw new OverlayError('OVERLAY_INVALID', `${label}: 'info.title' and 'info.version' are required`);
  }
  if (!Array.isArray(doc.actions) || doc.actions.length === 0) {
    throw new OverlayError('OVERLAY_INVALID', `${label}: 'actions' must be a non-empty list`);
  }
  doc.actions.forEach((action, i) => {
    if (typeof action?.target !== 'string' || !action.target.startsWith('$')) {
      throw new OverlayError('OVERLAY_INVALID', `${label}: action #${i + 1} needs a JSONPath 'target'`);
    }
    if (!('update' in action) && action.remove !== true) {
      throw new OverlayError(
        'OVERLAY_INVALID',
        `${label}: action #${i + 1} (${action.target}) has neither update nor remove`,
      );
    }
  });
  return doc as OverlayDocument;
}

export interface OverlayResult {
  readonly document: Record<string, unknown>;
  readonly unusedActions: readonly OverlayAction[];
}

/**
 * Applies an overlay to a deep copy of `base`. Actions whose target matches nothing are returned, not
 * dropped: after a vendor pull they show exactly which of d1kit's additions lost their anchor.
 */
export async function applyOverlay(base: unknown, overlay: OverlayDocument): Promise<OverlayResult> {
  const copy = structuredClone(base) as Record<string, unknown>;
  const { data, resultData } = await openapiOverlay(copy, {
    overlaySet: overlay as unknown as Parameters<typeof openapiOverlay>[1]['overlaySet'],
  });
  return {
    document: data as Record<string, unknown>,
    unusedActions: resultData.unusedActions as OverlayAction[],
  };
}

/** Like applyOverlay, but an unused action is an error listing every such target. */
export async function applyOverlayStrict(
  base: unknown,
  overlay: OverlayDocument,
  label: string,
): Promise<Record<string, unknown>> {
  const { document, unusedActions } = await applyOverlay(base, overlay);
  if (unusedActions.length > 0) {
    const list = unusedActions
      .map((a) => `  - ${a.target}${a.description ? ` (${a.description})` : ''}`)
      .join('\n');
    throw new OverlayError(
      'OVERLAY_UNUSED_ACTIONS',
      `${label}: ${unusedActions.length} overlay action(s) match nothing in the spec:\n${list}`,
      unusedActions,
    );
  }
  return document;
}
