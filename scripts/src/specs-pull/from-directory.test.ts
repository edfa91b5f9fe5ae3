import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseManifest } from '../lib/manifest.js';
import {
  type FixtureRepo,
  IN_FILE,
  inboundSpec,
  makeRepo,
  OUT_FILE,
  outboundOverlay,
  outboundSpec,
  run,
  snapshot,
  yamlOf,
} from './fixtures.test-helpers.js';
import type { WriteFs } from './write.js';
import { nodeWriteFs } from './write.js';

type Doc = ReturnType<typeof inboundSpec>;
type Schemas = Record<string, { properties: Record<string, Record<string, unknown>>; required?: string[] }>;
const schemasOf = (doc: Doc) => (doc.components as { schemas: Schemas }).schemas;
const postOf = (doc: Doc, p: string) =>
  (doc.paths as Record<string, { post: Record<string, Record<string, unknown>> }>)[p]!.post;

let repo: FixtureRepo | undefined;
let dir: string | undefined;
afterEach(async () => {
  await repo?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
  repo = undefined;
  dir = undefined;
});

async function pullCopies(inbound: Doc, outbound: Doc, flags: string[] = [], deps = {}) {
  repo = await makeRepo();
  dir = await mkdtemp(path.join(tmpdir(), 'd1kit-vendor-copy-'));
  await writeFile(path.join(dir, IN_FILE), yamlOf(inbound));
  await writeFile(path.join(dir, OUT_FILE), yamlOf(outbound));
  const before = await snapshot(repo.root);
  return { result: await run(['--from', dir, ...flags], repo.layout, deps), before, repo, dir };
}

describe('pulling from a directory holding modified copies', () => {
  it('prints a correct diff, classified per role, with the overlay actions concerned', async () => {
    const inbound = inboundSpec();
    schemasOf(inbound).CardRequest!.properties.state!.enum = ['ACTIVE'];
    schemasOf(inbound).Card!.properties.status!.enum = ['ACTIVE', 'SUSPENDED'];
    delete postOf(inbound, '/issuers/{issuerId}/cards').responses!['404'];
    const outbound = outboundSpec();
    (schemasOf(outbound).Notification!.properties.operation!.enum as string[]).push('RENEW');
    schemasOf(outbound).Notification!.properties.cardId!.maxLength = 64;
    const { result, before, repo } = await pullCopies(inbound, outbound, ['--dry-run']);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe(
      [
        `D1-Public-IN-v9-Cards (inbound; d1kit is the client) from ${dir}/${IN_FILE}`,
        '  changed: 1 breaking, 2 non-breaking contract change(s)',
        '  breaking (1):',
        '    - POST /issuers/{issuerId}/cards (createCard) · request body application/json · $.state',
        '      enum-value-removed: "INACTIVE" — D1 rejects a value d1kit may send',
        '  non-breaking (2):',
        '    - POST /issuers/{issuerId}/cards (createCard) · response 201 application/json · $.status',
        '      schema-narrowed enum: ["ACTIVE","SUSPENDED"] — everything D1 returns still fits what d1kit expects',
        '    - POST /issuers/{issuerId}/cards (createCard) · response 404',
        '      response-removed: "404" — D1 stops returning this status; its handling becomes unused',
        '  overlay overlays/D1-Public-IN-v9-Cards.overlay.yaml (2 action(s) concerned):',
        "    - unused #2 $.paths['/issuers/{issuerId}/cards'].post.responses['404'] (tolerant error body): matches nothing in the pulled spec (it matched /paths/~1issuers~1{issuerId}~1cards/post/responses/404); generation would fail",
        '        POST /issuers/{issuerId}/cards (createCard) · response 404: response-removed',
        '    - affected #3 $.components.schemas.Card.properties.status (open enum): writes at /components/schemas/Card/properties/status/x-d1kit-known-values, which the pull changed',
        '        POST /issuers/{issuerId}/cards (createCard) · response 201 application/json · $.status: schema-narrowed enum',
        '',
        `D1-Public-OUT-v9-Notify (outbound; d1kit is the server) from ${dir}/${OUT_FILE}`,
        '  changed: 2 breaking, 0 non-breaking contract change(s)',
        '  breaking (2):',
        '    - POST /notifications/cards (notifyCards) · request body application/json · $.operation',
        '      enum-value-added: "RENEW" — request validation rejects the new value D1 may send',
        '    - POST /notifications/cards (notifyCards) · request body application/json · $.cardId',
        "      schema-widened maxLength: 48 → 64 — D1 may send values that d1kit's request validation rejects",
        '  overlay overlays/D1-Public-OUT-v9-Notify.overlay.yaml: no action concerned',
        '',
        'summary: 2 spec(s), 0 unchanged, 2 changed (2 with breaking changes), 0 failed; exit 4 (breaking); dry run: nothing written',
        '',
      ].join('\n'),
    );
    expect(await snapshot(repo.root)).toEqual(before);
  });

  it('says when the overlay absorbs a change, so the effective spec does not move', async () => {
    const opened = outboundOverlay();
    opened.actions = [
      {
        target: '$.components.schemas.Notification.properties.operation.enum',
        description: 'open the enum',
        remove: true,
      },
      {
        target: '$.components.schemas.Notification.properties.operation',
        description: 'known values',
        update: { 'x-d1kit-known-values': ['CREATE', 'DELETE'] },
      },
    ];
    repo = await makeRepo({ overlays: { outbound: opened } });
    dir = await mkdtemp(path.join(tmpdir(), 'd1kit-vendor-copy-'));
    const outbound = outboundSpec();
    (schemasOf(outbound).Notification!.properties.operation!.enum as string[]).push('RENEW');
    schemasOf(outbound).Notification!.properties.cardId!.maxLength = 64;
    await writeFile(path.join(dir, IN_FILE), yamlOf(inboundSpec()));
    await writeFile(path.join(dir, OUT_FILE), yamlOf(outbound));
    const text = await run(['--from', dir, '--dry-run'], repo.layout);
    expect(text.stdout).toContain(
      [
        '      enum-value-added: "RENEW" — request validation rejects the new value D1 may send',
        "      (the overlay absorbs it: d1kit's effective spec does not change here)",
        '    - POST /notifications/cards (notifyCards) · request body application/json · $.cardId',
        "      schema-widened maxLength: 48 → 64 — D1 may send values that d1kit's request validation rejects",
        '  overlay',
      ].join('\n'),
    );
    const json = JSON.parse((await run(['--from', dir, '--dry-run', '--json'], repo.layout)).stdout);
    expect(json.specs[1].changes.map((c: { inEffectiveSpec: boolean }) => c.inEffectiveSpec)).toEqual([
      false,
      true,
    ]);
    expect(json.specs[1].overlay.actions.map((a: { status: string }) => a.status)).toEqual([
      'affected',
      'affected',
    ]);
  });

  it('an unused overlay action alone makes the pull breaking', async () => {
    const inbound = inboundSpec();
    delete postOf(inbound, '/issuers/{issuerId}/cards').responses!['404'];
    const { result } = await pullCopies(inbound, outboundSpec(), ['--json']);
    const report = JSON.parse(result.stdout);
    expect(report.specs[0].changes.every((c: { breaking: boolean }) => !c.breaking)).toBe(true);
    expect(report.specs[0].overlay.actions).toEqual([
      expect.objectContaining({ index: 2, status: 'unused' }),
    ]);
    expect(result.code).toBe(4);
  });

  it('writes only the changed spec and the manifest, with lastPull naming the file read', async () => {
    const outbound = outboundSpec();
    schemasOf(outbound).Notification!.properties.note = { type: 'string' };
    const { result, repo, before } = await pullCopies(inboundSpec(), outbound);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain(
      `wrote specs/${OUT_FILE}, specs/manifest.yaml; now run \`pnpm generate\``,
    );
    const after = await snapshot(repo.root);
    const changed = Object.keys(after).filter((f) => after[f] !== before[f]);
    expect(changed.sort()).toEqual(
      [path.join('specs', OUT_FILE), path.join('specs', 'manifest.yaml')].sort(),
    );
    const manifest = parseManifest(await readFile(repo.layout.manifestFile, 'utf8'));
    expect(manifest.specs[1]?.lastPull?.from).toBe(path.join(dir!, OUT_FILE));
    expect(manifest.specs[0]?.lastPull).toBeNull();
  });

  it('reports a file that changed only in prose as a change without contract changes', async () => {
    const inbound = inboundSpec();
    (inbound.info as Record<string, unknown>).description = 'Reworded by the vendor.';
    const { result } = await pullCopies(inbound, outboundSpec(), ['--dry-run']);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain(
      '  the file changed, its contract did not (prose, examples or formatting)',
    );
  });

  it('fails cleanly when a file is missing from the directory', async () => {
    repo = await makeRepo();
    dir = await mkdtemp(path.join(tmpdir(), 'd1kit-vendor-copy-'));
    await writeFile(path.join(dir, IN_FILE), yamlOf(inboundSpec()));
    const before = await snapshot(repo.root);
    const r = await run(['--from', dir], repo.layout);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `specs:pull: D1-Public-OUT-v9-Notify: ${path.join(dir, OUT_FILE)} does not exist`,
    );
    expect(await snapshot(repo.root)).toEqual(before);
  });

  it('leaves everything as it was when a rename fails part-way', async () => {
    const inbound = inboundSpec();
    schemasOf(inbound).Card!.properties.extra = { type: 'string' };
    const outbound = outboundSpec();
    schemasOf(outbound).Notification!.properties.extra = { type: 'string' };
    let renames = 0;
    const failing: WriteFs = {
      ...nodeWriteFs,
      rename: async (from, to) => {
        if (++renames === 2) throw new Error('EIO: simulated');
        return nodeWriteFs.rename(from, to);
      },
    };
    const { result, before, repo } = await pullCopies(inbound, outbound, [], { fs: failing });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'writing failed (EIO: simulated); the files already replaced were restored',
    );
    expect(await snapshot(repo.root)).toEqual(before);
  });

  it('treats a spec missing from specs/ as new: everything in it is added', async () => {
    repo = await makeRepo();
    await unlink(path.join(repo.layout.specsDir, OUT_FILE));
    dir = await mkdtemp(path.join(tmpdir(), 'd1kit-vendor-copy-'));
    await writeFile(path.join(dir, IN_FILE), yamlOf(inboundSpec()));
    await writeFile(path.join(dir, OUT_FILE), yamlOf(outboundSpec()));
    const r = await run(['--from', dir, '--only', OUT_FILE], repo.layout);
    expect(r.stdout).toContain('  new file: 1 breaking, 0 non-breaking contract change(s)');
    expect(r.stdout).toContain('operation-added — D1 may now call an endpoint d1kit does not serve');
    expect(r.code).toBe(4);
    expect(await readFile(path.join(repo.layout.specsDir, OUT_FILE), 'utf8')).toBe(yamlOf(outboundSpec()));
  });

  it('fails on a missing or broken overlay without writing', async () => {
    const outbound = outboundSpec();
    schemasOf(outbound).Notification!.properties.extra = { type: 'string' };
    repo = await makeRepo();
    await writeFile(
      path.join(repo.layout.specsDir, 'overlays', OUT_FILE.replace('.yaml', '.overlay.yaml')),
      'overlay: 2.0.0\n',
    );
    dir = await mkdtemp(path.join(tmpdir(), 'd1kit-vendor-copy-'));
    await writeFile(path.join(dir, IN_FILE), yamlOf(inboundSpec()));
    await writeFile(path.join(dir, OUT_FILE), yamlOf(outbound));
    const before = await snapshot(repo.root);
    const r = await run(['--from', dir], repo.layout);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "[OVERLAY_INVALID] specs/overlays/D1-Public-OUT-v9-Notify.overlay.yaml: 'overlay' must be",
    );
    expect(await snapshot(repo.root)).toEqual(before);
  });
});
