import { describe, expect, it, vi } from 'vitest';
import { hashClientSecret, verifyClientSecret } from './client-secret.js';
import { ClientRegistry } from './clients.js';

const FAST = { logN: 10, r: 8, p: 1 };

describe('ClientRegistry', () => {
  it('authenticates with any of a client’s hashes (secret rotation)', async () => {
    const registry = new ClientRegistry([
      {
        clientId: 'd1',
        secretHash: [await hashClientSecret('old', FAST), await hashClientSecret('new', FAST)],
      },
    ]);
    expect((await registry.authenticate('d1', 'old'))?.clientId).toBe('d1');
    expect((await registry.authenticate('d1', 'new'))?.clientId).toBe('d1');
    expect(await registry.authenticate('d1', 'neither')).toBeUndefined();
  });

  it('runs one decoy scrypt check, with the configured parameters, for an unknown client id', async () => {
    const verify = vi.fn(verifyClientSecret);
    const registry = new ClientRegistry(
      [{ clientId: 'd1', secretHash: await hashClientSecret('s', FAST) }],
      verify,
    );
    expect(await registry.authenticate('nobody', 's')).toBeUndefined();
    expect(verify).toHaveBeenCalledTimes(1);
    const decoy = verify.mock.calls[0]?.[1];
    expect(decoy).toMatchObject({ params: FAST });
    expect(await registry.authenticate('d1', 'wrong')).toBeUndefined();
    expect(verify).toHaveBeenCalledTimes(2);
  });

  it.each([
    ['no clients', []],
    ['a client id with a colon', [{ clientId: 'a:b', secretHash: 'x' }]],
    ['a client id with a space', [{ clientId: 'a b', secretHash: 'x' }]],
    ['no secret hash', [{ clientId: 'a', secretHash: [] }]],
    ['a plaintext secret', [{ clientId: 'a', secretHash: 'hunter2' }]],
    ['a malformed scope', [{ clientId: 'a', secretHash: 'x', scopes: ['has space'] }]],
  ])('refuses %s', async (_name, configs) => {
    const valid = await hashClientSecret('s', FAST);
    const withHashes = configs.map((c) => ({
      ...c,
      secretHash: c.secretHash === 'x' ? valid : c.secretHash,
    }));
    expect(() => new ClientRegistry(withHashes as never)).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/CONFIG_INVALID|SECRET_HASH_INVALID/) }),
    );
  });

  it('refuses two clients with the same id', async () => {
    const secretHash = await hashClientSecret('s', FAST);
    expect(
      () =>
        new ClientRegistry([
          { clientId: 'a', secretHash },
          { clientId: 'a', secretHash },
        ]),
    ).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
