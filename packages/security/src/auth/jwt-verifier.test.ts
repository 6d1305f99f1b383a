import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { isShnError } from '@shn/core';
import type { Clock } from '@shn/core';
import { JwtVerifier, localJwks, remoteJwks } from './jwt-verifier.js';

const NOW = 1_800_000_000_000;
const clock: Clock = { now: () => NOW, monotonic: () => 0 };
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

async function rsaKey(kid: string): Promise<{ privateKey: CryptoKey; jwk: JWK; spki: string }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }, spki: await exportSPKI(publicKey) };
}

function token(key: CryptoKey, kid: string, claims: Record<string, unknown> = {}, exp = NOW / 1000 + 600): Promise<string> {
  return new SignJWT({ scope: 'kv:read kv:write', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuer('https://issuer.test')
    .setAudience('shn-kv')
    .setSubject('alice')
    .setIssuedAt(NOW / 1000)
    .setExpirationTime(exp)
    .sign(key);
}

async function refused(v: JwtVerifier, t: unknown): Promise<string> {
  try {
    await v.verify(t);
  } catch (e) {
    if (isShnError(e) && e.code === 'UNAUTHENTICATED') return e.message;
    throw e;
  }
  throw new Error('token was accepted');
}

describe('JwtVerifier', async () => {
  const k1 = await rsaKey('k1');
  const verifier = new JwtVerifier({ jwks: localJwks({ keys: [k1.jwk] }), algorithms: ['RS256'], issuer: 'https://issuer.test', audience: 'shn-kv', clock, clockToleranceSec: 0 });

  it('accepts a good token and reads principal and scopes', async () => {
    const v = await verifier.verify(`Bearer ${await token(k1.privateKey, 'k1')}`);
    expect(v).toMatchObject({ principal: 'alice', scopes: ['kv:read', 'kv:write'], keyId: 'k1' });
  });

  it('refuses alg none', async () => {
    const t = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'alice', iss: 'https://issuer.test', aud: 'shn-kv', exp: NOW / 1000 + 60 })}.`;
    expect(await refused(verifier, t)).toMatch(/JWT refused/);
  });

  it('refuses an HS256 token signed with the RS256 public key as the HMAC secret', async () => {
    const head = `${b64({ alg: 'HS256', typ: 'JWT', kid: 'k1' })}.${b64({ sub: 'mallory', iss: 'https://issuer.test', aud: 'shn-kv', exp: NOW / 1000 + 60 })}`;
    const sig = createHmac('sha256', k1.spki).update(head).digest('base64url');
    expect(await refused(verifier, `${head}.${sig}`)).toMatch(/algorithm not allowed|no key/);
  });

  it('refuses expired and not-yet-valid tokens', async () => {
    expect(await refused(verifier, await token(k1.privateKey, 'k1', {}, NOW / 1000 - 1))).toMatch(/expired/);
    expect(await refused(verifier, await token(k1.privateKey, 'k1', { nbf: NOW / 1000 + 120 }))).toMatch(/claim nbf/);
    const noExp = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer('https://issuer.test').setAudience('shn-kv').setSubject('a').sign(k1.privateKey);
    expect(await refused(verifier, noExp)).toMatch(/exp/);
  });

  it('refuses a wrong audience and a wrong issuer', async () => {
    const other = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer('https://issuer.test').setAudience('billing').setSubject('a').setExpirationTime(NOW / 1000 + 60).sign(k1.privateKey);
    expect(await refused(verifier, other)).toMatch(/claim aud/);
    const iss = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer('https://evil.test').setAudience('shn-kv').setSubject('a').setExpirationTime(NOW / 1000 + 60).sign(k1.privateKey);
    expect(await refused(verifier, iss)).toMatch(/claim iss/);
  });

  it('refuses a tampered payload', async () => {
    const [h, , s] = (await token(k1.privateKey, 'k1')).split('.');
    const evil = b64({ sub: 'root', iss: 'https://issuer.test', aud: 'shn-kv', exp: NOW / 1000 + 600, scope: 'kv:*' });
    expect(await refused(verifier, `${h}.${evil}.${s}`)).toMatch(/signature verification failed/);
  });

  it('refuses a token signed by a key outside the JWKS (unknown kid)', async () => {
    const k9 = await rsaKey('k9');
    expect(await refused(verifier, await token(k9.privateKey, 'k9'))).toMatch(/no key in the JWKS/);
  });

  it('random strings and bytes are always UNAUTHENTICATED', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map((p) => p.join('.')),
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
          fc.anything(),
        ),
        async (t) => {
          expect(await refused(verifier, t)).toMatch(/JWT refused/);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses unpinned or unknown algorithms at construction', () => {
    const base = { jwks: localJwks({ keys: [k1.jwk] }), issuer: 'i', audience: 'a' };
    expect(() => new JwtVerifier({ ...base, algorithms: [] })).toThrow(/algorithms/);
    expect(() => new JwtVerifier({ ...base, algorithms: ['none' as never] })).toThrow(/algorithms/);
    expect(() => new JwtVerifier({ ...base, algorithms: ['HS256' as never] })).toThrow(/algorithms/);
    expect(() => new JwtVerifier({ ...base, algorithms: ['RS256'], audience: '' })).toThrow(/audience/);
  });

  it('follows key rotation through a remote JWKS served over local http (lookup by kid)', async () => {
    const k2 = await rsaKey('k2');
    let keys: JWK[] = [k1.jwk];
    let fetches = 0;
    const server = createServer((_req, res) => {
      fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
      const v = new JwtVerifier({ jwks: remoteJwks(url, { cooldownMs: 0 }), algorithms: ['RS256'], issuer: 'https://issuer.test', audience: 'shn-kv', clock });
      const t1 = await token(k1.privateKey, 'k1');
      expect((await v.verify(t1)).keyId).toBe('k1');
      keys = [k2.jwk];
      // A token with the new kid makes the verifier refetch and find k2; k1 is gone from the set.
      expect((await v.verify(await token(k2.privateKey, 'k2'))).keyId).toBe('k2');
      expect(fetches).toBe(2);
      expect(await refused(v, t1)).toMatch(/no key in the JWKS/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
