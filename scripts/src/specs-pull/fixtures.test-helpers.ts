import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { type Direction, type ManifestEntry, serializeManifest, sha256 } from '../lib/manifest.js';
import { layoutOf, type RepoLayout } from '../lib/paths.js';
import { type PullDeps, runSpecsPull } from './run.js';

type Json = Record<string, unknown>;

export const IN_FILE = 'D1-Public-IN-v9-Cards.yaml';
export const OUT_FILE = 'D1-Public-OUT-v9-Notify.yaml';

/** An inbound fixture: d1kit creates cards (request) and reads their status (response). */
export function inboundSpec(): Json {
  return {
    openapi: '3.0.3',
    info: { title: 'Fixture Inbound Card API', version: '2.0' },
    paths: {
      '/issuers/{issuerId}/cards': {
        post: {
          parameters: [
            {
              name: 'issuerId',
              in: 'path',
              required: true,
              schema: { type: 'string', minLength: 10, maxLength: 10 },
            },
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/CardRequest' } } },
          },
          responses: {
            '201': {
              description: 'created',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Card' } } },
            },
            '404': { description: 'unknown issuer' },
            default: { description: 'error' },
          },
        },
      },
    },
    components: {
      schemas: {
        CardRequest: {
          type: 'object',
          additionalProperties: false,
          required: ['cardId', 'state'],
          properties: {
            cardId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,48}$' },
            state: { type: 'string', enum: ['ACTIVE', 'INACTIVE'] },
          },
        },
        Card: { type: 'object', properties: { cardId: { type: 'string' }, status: { type: 'string' } } },
      },
    },
  };
}

/** An outbound fixture: D1 notifies d1kit (request) and d1kit acknowledges (response). */
export function outboundSpec(): Json {
  return {
    openapi: '3.0.3',
    info: { title: 'Fixture Outbound Card API', version: '2.0' },
    paths: {
      '/notifications/cards': {
        post: {
          operationId: 'notifyCards',
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Notification' } } },
          },
          responses: { '204': { description: 'accepted' }, default: { description: 'error' } },
        },
      },
    },
    components: {
      schemas: {
        Notification: {
          type: 'object',
          required: ['operation'],
          properties: {
            operation: { type: 'string', enum: ['CREATE', 'DELETE'] },
            cardId: { type: 'string', maxLength: 48 },
          },
        },
      },
    },
  };
}

export function inboundOverlay(): Json {
  return {
    overlay: '1.0.0',
    info: { title: 'd1kit additions to the inbound fixture', version: '1' },
    extends: `../${IN_FILE}`,
    actions: [
      {
        target: "$.paths['/issuers/{issuerId}/cards'].post",
        description: 'operationId',
        update: { operationId: 'createCard' },
      },
      {
        target: "$.paths['/issuers/{issuerId}/cards'].post.responses['404']",
        description: 'tolerant error body',
        update: { 'x-d1kit-assumption': 'G1: fixture reason' },
      },
      {
        target: '$.components.schemas.Card.properties.status',
        description: 'open enum',
        update: { 'x-d1kit-known-values': ['ACTIVE', 'SUSPENDED'] },
      },
    ],
  };
}

export function outboundOverlay(): Json {
  return {
    overlay: '1.0.0',
    info: { title: 'd1kit additions to the outbound fixture', version: '1' },
    extends: `../${OUT_FILE}`,
    actions: [
      {
        target: '$.components.schemas.Notification',
        description: 'assumption',
        update: { 'x-d1kit-assumption': 'G2: fixture' },
      },
    ],
  };
}

export const yamlOf = (doc: unknown): string => stringify(doc, { lineWidth: 0 });

export interface FixtureRepo {
  readonly root: string;
  readonly layout: RepoLayout;
  cleanup(): Promise<void>;
}

/** A throwaway repository with the two fixture specs, their overlays and a manifest that matches them. */
export async function makeRepo(
  parts: {
    inbound?: Json | null;
    outbound?: Json;
    overlays?: { inbound?: Json | null; outbound?: Json };
  } = {},
): Promise<FixtureRepo> {
  const root = await mkdtemp(path.join(tmpdir(), 'd1kit-specs-pull-'));
  const layout = layoutOf(root);
  await mkdir(path.join(layout.specsDir, 'overlays'), { recursive: true });
  const entries: ManifestEntry[] = [];
  const add = async (file: string, direction: Direction, doc: Json | null, overlay: Json | null) => {
    const text = doc === null ? '' : yamlOf(doc);
    if (doc !== null) await writeFile(path.join(layout.specsDir, file), text);
    const overlayFile = `overlays/${file.replace(/\.yaml$/, '.overlay.yaml')}`;
    if (overlay !== null) await writeFile(path.join(layout.specsDir, overlayFile), yamlOf(overlay));
    entries.push({
      file,
      direction,
      url: `https://specs.example.test/spec/${file}`,
      overlay: overlayFile,
      sha256: sha256(text),
      lastPull: null,
    });
  };
  await add(
    IN_FILE,
    'inbound',
    parts.inbound === undefined ? inboundSpec() : parts.inbound,
    parts.overlays?.inbound === undefined ? inboundOverlay() : parts.overlays.inbound,
  );
  await add(
    OUT_FILE,
    'outbound',
    parts.outbound ?? outboundSpec(),
    parts.overlays?.outbound ?? outboundOverlay(),
  );
  await writeFile(layout.manifestFile, serializeManifest({ specs: entries }));
  return { root, layout, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Every file under a directory with the sha256 of its bytes, to prove a failed pull changed nothing. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (at: string) => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) await walk(full);
      else
        out[path.relative(dir, full)] = createHash('sha256')
          .update(await readFile(full))
          .digest('hex');
    }
  };
  await walk(dir);
  return out;
}

export interface Served {
  readonly base: string;
  close(): Promise<void>;
}

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

/** A real HTTP server on 127.0.0.1 with a random port; `routes` maps a file name to its behaviour. */
export async function serve(routes: Record<string, Route>): Promise<Served> {
  const server = createServer((req, res) => {
    const file = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
    const route = routes[file];
    if (route) route(req, res);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}/spec`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const sendYaml =
  (text: string): Route =>
  (_req, res) => {
    res
      .writeHead(200, { 'content-type': 'application/yaml', 'content-length': Buffer.byteLength(text) })
      .end(text);
  };

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function run(
  argv: string[],
  layout: RepoLayout,
  extra: Partial<PullDeps> = {},
): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const code = await runSpecsPull(argv, {
    layout,
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    now: () => new Date('2026-11-23T10:00:00.000Z'),
    ...extra,
  });
  return { code, stdout, stderr };
}
