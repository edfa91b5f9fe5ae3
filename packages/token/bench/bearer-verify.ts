// Throughput of bearer verification for the outbound API, against raw jose jwtVerify in the same run.
// Everything runs in-process on one key; no network. Run: pnpm --filter @d1kit/token bench
import { generateKeyPairSync } from 'node:crypto';
import type { Request, Response } from 'express';
import { importJWK, jwtVerify, SignJWT } from 'jose';
import { bearerAuth, createBearerVerifier, KeyRing } from '../src/index.js';
import { compare, concurrent, type Result, report, sequential } from './harness.js';

const ISS = 'https://issuer.example/authz/d1/v1';
const AUD = 'https://issuer.example/d1';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ring = new KeyRing({ current: { kid: 'bench-k1', privateKey } });
const now = Math.floor(Date.now() / 1000);
const token = await new SignJWT({ scope: 'notifications pin:read', client_id: 'd1' })
  .setProtectedHeader({ alg: 'ES256', kid: 'bench-k1', typ: 'at+jwt' })
  .setIssuer(ISS)
  .setAudience(AUD)
  .setSubject('d1')
  .setIssuedAt(now)
  .setExpirationTime(now + 900)
  .setJti('bench')
  .sign(privateKey);

const cryptoKey = await importJWK({ ...publicKey.export({ format: 'jwk' }), alg: 'ES256' }, 'ES256');
const joseOptions = { algorithms: ['ES256'], issuer: ISS, audience: AUD };
const verifier = createBearerVerifier({ keys: ring, issuer: ISS, audience: AUD, clientIds: ['d1'] });
const middleware = bearerAuth({ mode: 'required', verifier, scope: 'notifications' });

const req = { headers: { authorization: `Bearer ${token}` } } as unknown as Request;
function runMiddleware(): Promise<void> {
  return new Promise((resolve, reject) => {
    const res = {
      locals: {},
      status: () => reject(new Error('the bench token was refused')),
    } as unknown as Response;
    void middleware(req, res, () => resolve());
  });
}

await runMiddleware(); // fails loudly if the setup is wrong
const BATCH = 200;
const joseVerify = () => jwtVerify(token, cryptoKey, joseOptions);
const [baseline, verify, viaMiddleware, baselineParallel, middlewareParallel] = (await compare([
  ['jose jwtVerify, pre-imported CryptoKey (sequential)', sequential(joseVerify, BATCH)],
  ['createBearerVerifier().verify (sequential)', sequential(() => verifier.verify(token), BATCH)],
  ['bearerAuth middleware, invoked directly (sequential)', sequential(runMiddleware, BATCH)],
  ['jose jwtVerify, pre-imported CryptoKey (32 in flight)', concurrent(joseVerify, BATCH, 32)],
  ['bearerAuth middleware, invoked directly (32 in flight)', concurrent(runMiddleware, BATCH, 32)],
])) as [Result, Result, Result, Result, Result];

console.log(
  `Node ${process.version}, ES256 P-256, token ${token.length} bytes, median of 3 interleaved rounds`,
);
report('Bearer verification, one at a time', baseline, [verify, viaMiddleware]);
report('Bearer verification, 32 concurrent', baselineParallel, [middlewareParallel]);
