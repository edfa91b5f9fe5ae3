import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { serializeManifest, sha256 } from '../lib/manifest.js';
import { layoutOf, type RepoLayout } from '../lib/paths.js';

export const FIXTURE_SPEC = {
  openapi: '3.0.3',
  info: { title: 'Fixture Card API', version: '1.0' },
  servers: [{ url: 'https://api.example.test/banking' }],
  security: [{ bearerAuth: [] }],
  paths: {
    '/v2/issuers/{issuerId}/cards/{cardId}': {
      parameters: [{ $ref: '#/components/parameters/issuerId' }],
      put: {
        summary: 'Register card',
        parameters: [
          { name: 'cardId', in: 'path', required: true, schema: { type: 'string', maxLength: 48 } },
        ],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/RegisterBody' } } },
        },
        responses: { '204': { description: 'Registered' } },
      },
    },
  },
  components: {
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    parameters: {
      issuerId: {
        name: 'issuerId',
        in: 'path',
        required: true,
        schema: { type: 'string', minLength: 10, maxLength: 10 },
      },
    },
    schemas: {
      RegisterBody: {
        type: 'object',
        required: ['encryptedData'],
        properties: { encryptedData: { type: 'string', maxLength: 8192 } },
      },
    },
  },
};

export const FIXTURE_OVERLAY = {
  overlay: '1.0.0',
  info: { title: 'd1kit additions to the fixture', version: '1' },
  extends: '../D1-Public-IN-v9-Fixture.yaml',
  actions: [
    {
      target: "$.paths['/v2/issuers/{issuerId}/cards/{cardId}'].put",
      description: 'operationId',
      update: { operationId: 'registerCard', 'x-d1kit-assumption': 'G0: fixture reason' },
    },
    {
      target: '$.components.schemas.RegisterBody.properties.encryptedData',
      description: 'JWE payload',
      update: { 'x-d1kit-jwe': 'CardCredentials' },
    },
    {
      target: '$.components.schemas',
      description: 'plaintext',
      update: {
        ExpiryMMYY: { type: 'string', pattern: '^(0[1-9]|1[0-2])[0-9]{2}$' },
        CardStatus: { type: 'string', 'x-d1kit-known-values': ['ACTIVE', 'SUSPENDED'] },
        CardCredentials: {
          type: 'object',
          'x-d1kit-plaintext': true,
          additionalProperties: false,
          required: ['pan', 'exp'],
          properties: {
            pan: { type: 'string', pattern: '^[0-9]{10,19}$', example: '4111111111111111' },
            exp: { $ref: '#/components/schemas/ExpiryMMYY' },
            name: { type: 'string', nullable: true },
          },
        },
      },
    },
  ],
};

export interface Fixture {
  readonly layout: RepoLayout;
  readonly specText: string;
}

/** A throwaway repository with one spec, its overlay and a manifest, for generator tests. */
export async function makeFixture(
  spec: unknown = FIXTURE_SPEC,
  overlay: unknown = FIXTURE_OVERLAY,
): Promise<Fixture> {
  const root = await mkdtemp(path.join(tmpdir(), 'd1kit-gen-'));
  const layout = layoutOf(root);
  await mkdir(path.join(layout.specsDir, 'overlays'), { recursive: true });
  await mkdir(layout.generatedDir, { recursive: true });
  const specText = stringify(spec);
  const file = 'D1-Public-IN-v9-Fixture.yaml';
  await writeFile(path.join(layout.specsDir, file), specText);
  await writeFile(
    path.join(layout.specsDir, 'overlays', 'D1-Public-IN-v9-Fixture.overlay.yaml'),
    stringify(overlay),
  );
  await writeFile(
    layout.manifestFile,
    serializeManifest({
      specs: [
        {
          file,
          direction: 'inbound',
          url: `https://openapi.example.test/spec/${file}`,
          overlay: 'overlays/D1-Public-IN-v9-Fixture.overlay.yaml',
          sha256: sha256(specText),
          lastPull: null,
        },
      ],
    }),
  );
  return { layout, specText };
}
