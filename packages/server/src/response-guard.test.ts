import type { AddressInfo } from 'node:net';
import express, { type Response } from 'express';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardResponse, MAX_CHECKED_RESPONSE_BYTES } from './response-guard.js';
import type { CapturedResponse } from './validation/response-check.js';

const seen: CapturedResponse[] = [];
let server: ReturnType<ReturnType<typeof express>['listen']>;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use((_req, res, next) => {
    guardResponse(
      res,
      (captured) => {
        seen.push(captured);
        return captured.body.includes('forbidden-word')
          ? { pointer: '/body', rule: 'has the word' }
          : undefined;
      },
      (issue) => res.status(500).json({ error: 'INTERNAL_ERROR', message: issue.pointer }),
    );
    next();
  });
  const routes: Record<string, (res: Response) => void> = {
    json: (res) => res.status(201).json({ ok: true }),
    chunks: (res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-extra': 'yes' });
      res.write('part one, ');
      res.write(Buffer.from('part two'));
      res.end();
    },
    'raw-array': (res) => {
      res.writeHead(202, 'Accepted', ['content-type', 'text/plain', 'x-raw', '1']);
      res.end('raw');
    },
    'late-header': (res) => {
      res.write('start ');
      res.setHeader('x-after-write', 'allowed because nothing was sent yet');
      res.end('forbidden-word');
    },
    huge: (res) => res.type('text/plain').send('x'.repeat(MAX_CHECKED_RESPONSE_BYTES + 1)),
    empty: (res) => res.status(204).end(),
  };
  for (const [name, write] of Object.entries(routes)) app.get(`/${name}`, (_req, res) => write(res));
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function get(path: string) {
  const reply = await request(`${base}${path}`);
  return { status: reply.statusCode, headers: reply.headers, text: await reply.body.text() };
}

describe('guardResponse', () => {
  it('sees res.json, explicit writeHead, several writes and raw header arrays as one complete response', async () => {
    expect(await get('/json')).toMatchObject({ status: 201, text: '{"ok":true}' });
    const chunks = await get('/chunks');
    expect(chunks).toMatchObject({ status: 200, text: 'part one, part two', headers: { 'x-extra': 'yes' } });
    expect(seen.at(-1)?.body.toString()).toBe('part one, part two');
    const raw = await get('/raw-array');
    expect(raw).toMatchObject({ status: 202, text: 'raw', headers: { 'x-raw': '1' } });
    expect((await get('/empty')).status).toBe(204);
  });

  it('replaces a failing response before anything reached the wire', async () => {
    const reply = await get('/late-header');
    expect(reply).toMatchObject({ status: 500, text: '{"error":"INTERNAL_ERROR","message":"/body"}' });
  });

  it('replaces a response larger than it is willing to hold', async () => {
    const reply = await get('/huge');
    expect(reply.status).toBe(500);
    expect(JSON.parse(reply.text).message).toBe('/body');
  });
});
