import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseManifest, sha256 } from '../lib/manifest.js';
import {
  type FixtureRepo,
  IN_FILE,
  inboundSpec,
  makeRepo,
  OUT_FILE,
  outboundSpec,
  type Route,
  run,
  type Served,
  sendYaml,
  serve,
  snapshot,
  yamlOf,
} from './fixtures.test-helpers.js';

let repo: FixtureRepo | undefined;
let server: Served | undefined;
afterEach(async () => {
  await server?.close();
  await repo?.cleanup();
  server = undefined;
  repo = undefined;
});

/** Serves both fixture specs as committed, with `inbound` replacing the inbound route. */
async function setUp(inbound: Route, outbound: Route = sendYaml(yamlOf(outboundSpec()))) {
  repo = await makeRepo();
  server = await serve({ [IN_FILE]: inbound, [OUT_FILE]: outbound });
  return { repo, server, before: await snapshot(repo.root) };
}

function withInbound(change: (doc: ReturnType<typeof inboundSpec>) => void): string {
  const doc = inboundSpec();
  change(doc);
  return yamlOf(doc);
}

type Schemas = Record<string, { properties: Record<string, Record<string, unknown>>; required?: string[] }>;
const schemasOf = (doc: Record<string, unknown>) => (doc.components as { schemas: Schemas }).schemas;

describe('pulling over HTTP', () => {
  it('exits 0 and writes nothing when every spec is unchanged', async () => {
    const { repo, server, before } = await setUp(sendYaml(yamlOf(inboundSpec())));
    const r = await run(['--from', server.base], repo.layout);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `D1-Public-IN-v9-Cards (inbound; d1kit is the client) from ${server.base}/${IN_FILE}\n  unchanged`,
    );
    expect(r.stdout).toMatch(
      /summary: 2 spec\(s\), 2 unchanged, 0 changed .* exit 0 \(no-change\); nothing to write/,
    );
    expect(await snapshot(repo.root)).toEqual(before);
  });

  it('exits 3 on a non-breaking change, writes the spec and stamps the manifest', async () => {
    const text = withInbound((d) => {
      schemasOf(d).Card!.properties.expiry = { type: 'string' };
    });
    const { repo, server } = await setUp(sendYaml(text));
    const r = await run(['--from', server.base], repo.layout);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('  changed: 0 breaking, 1 non-breaking contract change(s)');
    expect(r.stdout).toContain(
      'POST /issuers/{issuerId}/cards (createCard) · response 201 application/json · $.expiry',
    );
    expect(r.stdout).toContain('now run `pnpm generate`');
    expect(await readFile(path.join(repo.layout.specsDir, IN_FILE), 'utf8')).toBe(text);
    const manifest = parseManifest(await readFile(repo.layout.manifestFile, 'utf8'));
    const [inbound, outbound] = manifest.specs;
    expect(inbound).toMatchObject({
      sha256: sha256(text),
      lastPull: { from: `${server.base}/${IN_FILE}`, at: '2026-11-23T10:00:00.000Z' },
    });
    expect(outbound?.lastPull).toBeNull();
    // A second pull of the same bytes is idle.
    expect((await run(['--from', server.base], repo.layout)).code).toBe(0);
  });

  it('exits 4 on a breaking change and names it', async () => {
    const text = withInbound((d) => {
      (schemasOf(d).CardRequest!.properties.state as { enum: string[] }).enum = ['ACTIVE'];
    });
    const { repo, server } = await setUp(sendYaml(text));
    const r = await run(['--from', server.base], repo.layout);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain('  breaking (1):');
    expect(r.stdout).toContain('request body application/json · $.state');
    expect(r.stdout).toContain('enum-value-removed: "INACTIVE" — D1 rejects a value d1kit may send');
    expect(await readFile(path.join(repo.layout.specsDir, IN_FILE), 'utf8')).toBe(text);
  });

  const failures: [string, Route, RegExp, string[]?][] = [
    [
      'a 404',
      (_q, s) => void s.writeHead(404, { 'content-type': 'text/plain' }).end('gone'),
      /\[HTTP_STATUS\] .* answered HTTP 404 Not Found/,
    ],
    ['a 500', (_q, s) => void s.writeHead(500).end(), /\[HTTP_STATUS\] .* answered HTTP 500/],
    [
      'no response before the timeout',
      () => undefined,
      /\[FETCH_TIMEOUT\] no complete response from .* within 150 ms/,
      ['--timeout-ms', '150'],
    ],
    [
      'a body that stalls after the headers',
      (_q, s) => {
        s.writeHead(200, { 'content-length': '500' });
        s.write('openapi: 3.0.3\n');
      },
      /\[FETCH_TIMEOUT\]/,
      ['--timeout-ms', '150'],
    ],
    [
      'a body cut short of its Content-Length',
      (_q, s) => {
        const text = yamlOf(inboundSpec());
        s.writeHead(200, { 'content-length': String(Buffer.byteLength(text)) });
        s.write(text.slice(0, 120), () => s.socket?.destroy());
      },
      /\[BODY_TRUNCATED\] the body from .* ended early/,
    ],
    [
      'malformed YAML',
      sendYaml('openapi: 3.0.3\ninfo: {title: "x\n  version: [\n'),
      /\[NOT_YAML\] D1-Public-IN-v9-Cards\.yaml: not valid YAML/,
    ],
    [
      'valid YAML that is not OpenAPI',
      sendYaml('hello: world\nlist: [1, 2]\n'),
      /\[NOT_OPENAPI\] .*no 'openapi' field/,
    ],
    [
      'an HTML error page',
      sendYaml('<html><body>Maintenance</body></html>\n'),
      /\[NOT_OPENAPI\] .*not a YAML mapping/,
    ],
    [
      'an invalid OpenAPI document',
      sendYaml(withInbound((d) => delete (d.info as Record<string, unknown>).version)),
      /\[INVALID_OPENAPI\] .*#\/info: The field `version` must be present/,
    ],
    [
      'a Swagger 2.0 document',
      sendYaml("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n"),
      /\[NOT_OPENAPI\] .*Swagger 2\.0/,
    ],
  ];

  for (const [what, route, message, flags = []] of failures) {
    it(`exits 1 on ${what}, naming the spec, and leaves specs/ byte-identical`, async () => {
      // The outbound spec changed: it must not be written either, since one spec failed.
      const changedOutbound = outboundSpec();
      schemasOf(changedOutbound).Notification!.properties.extra = { type: 'string' };
      const { repo, server, before } = await setUp(route, sendYaml(yamlOf(changedOutbound)));
      const r = await run(['--from', server.base, ...flags], repo.layout);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(message);
      expect(r.stderr).toContain('specs:pull: D1-Public-IN-v9-Cards: ');
      expect(r.stdout).toContain('nothing written: every spec must pull cleanly first');
      expect(await snapshot(repo.root)).toEqual(before);
    });
  }

  it('refuses a body over the size cap, declared or streamed', async () => {
    const big = yamlOf(inboundSpec());
    const chunked: Route = (_q, s) => {
      s.writeHead(200, { 'content-type': 'application/yaml' });
      s.end(big);
    };
    for (const route of [sendYaml(big), chunked]) {
      const { repo, server, before } = await setUp(route);
      const r = await run(['--from', server.base, '--only', 'D1-Public-IN-v9-Cards'], repo.layout, {
        maxBytes: 256,
      });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/\[BODY_TOO_LARGE\]/);
      expect(await snapshot(repo.root)).toEqual(before);
      await server.close();
      await repo.cleanup();
    }
    server = undefined;
    repo = undefined;
  });

  it('reports a refused connection', async () => {
    const { repo, server, before } = await setUp(sendYaml(''));
    const base = server.base;
    await server.close();
    const r = await run(['--from', base], repo.layout);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /\[FETCH_FAILED\] cannot fetch http:\/\/127\.0\.0\.1:\d+\/spec\/D1-Public-IN-v9-Cards\.yaml \(ECONNREFUSED\)/,
    );
    expect(await snapshot(repo.root)).toEqual(before);
  });

  it('fetches the manifest URL when --from is absent', async () => {
    const { repo, server } = await setUp(sendYaml(yamlOf(inboundSpec())));
    const seen: string[] = [];
    const r = await run([], repo.layout, {
      fetch: (url, init) => {
        seen.push(url);
        return fetch(url.replace('https://specs.example.test/spec', server.base), init);
      },
    });
    expect(seen).toEqual([
      `https://specs.example.test/spec/${IN_FILE}`,
      `https://specs.example.test/spec/${OUT_FILE}`,
    ]);
    expect(r.code).toBe(0);
  });

  it('notes plain http from a remote host and a committed file that no longer matches the manifest', async () => {
    const { repo, server } = await setUp(sendYaml(yamlOf(inboundSpec())));
    await writeFile(path.join(repo.layout.specsDir, OUT_FILE), `${yamlOf(outboundSpec())}# local edit\n`);
    const r = await run(['--from', 'http://mirror.example.test/spec', '--dry-run'], repo.layout, {
      fetch: (url, init) => fetch(url.replace('http://mirror.example.test/spec', server.base), init),
    });
    expect(r.stdout).toContain(
      '  note: fetched over plain http from a non-loopback host: review the diff with care',
    );
    expect(r.stdout).toContain(
      `  note: specs/${OUT_FILE} does not match its sha256 in the manifest (edited by hand?)`,
    );
  });

  it('prints one JSON document with --json', async () => {
    const text = withInbound((d) => {
      schemasOf(d).CardRequest!.required = ['cardId'];
    });
    const { repo, server, before } = await setUp(sendYaml(text));
    const r = await run(['--from', server.base, '--json', '--dry-run'], repo.layout);
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ exitCode: 3, outcome: 'non-breaking', dryRun: true, written: [] });
    expect(report.specs.map((s: { status: string }) => s.status)).toEqual(['changed', 'unchanged']);
    expect(report.specs[0].changes).toEqual([
      expect.objectContaining({
        kind: 'required-removed',
        breaking: false,
        location: expect.objectContaining({ jsonPath: '$.state', operationId: 'createCard' }),
      }),
    ]);
    expect(await snapshot(repo.root)).toEqual(before);
  });
});
