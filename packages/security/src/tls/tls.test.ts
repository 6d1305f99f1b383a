import { createServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Server, TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isShnError } from '@shn/core';
import { CertificateReloader } from './certificate-reloader.js';
import { peerIdentity } from './peer-identity.js';
import { tlsConnect } from './tls-connect.js';
import { tlsFailure } from './tls-errors.js';
import { readTlsFiles } from './tls-files.js';
import { checkIdentity } from './tls-material.js';
import { tlsClientOptions, tlsServerOptions } from './tls-options.js';
import { hasOpenssl, makeTestPki } from './test-pki.test-helper.js';
import type { TestPki } from './test-pki.test-helper.js';

/** Connects and reads the server's greeting; a refusal at any stage becomes its typed error. */
async function greet(port: number, options: ReturnType<typeof tlsClientOptions>): Promise<{ greeting: string; socket: TLSSocket } | { code: string; tlsCode: string; message: string }> {
  try {
    const socket = await tlsConnect({ ...options, host: '127.0.0.1', port });
    return await new Promise((resolve) => {
      let failure: { code: string; tlsCode: string; message: string } | undefined;
      socket.once('data', (d: Buffer) => resolve({ greeting: d.toString(), socket }));
      socket.once('error', (e) => {
        const t = tlsFailure(e);
        failure = { code: t.code, tlsCode: String(t.details?.tlsCode), message: t.message };
      });
      // The server's alert may arrive as an error, or the server may just close: wait for close.
      socket.once('close', () => resolve(failure ?? { code: 'CLOSED', tlsCode: '', message: 'closed without greeting' }));
    });
  } catch (e) {
    if (!isShnError(e)) throw e;
    return { code: e.code, tlsCode: String(e.details?.tlsCode), message: e.message };
  }
}

describe.skipIf(!hasOpenssl)('mutual TLS with the option builders (real node:tls server and client on port 0)', () => {
  let pki: TestPki;
  let server: Server;
  let port: number;
  const clientErrors: string[] = [];
  let admitted = 0;

  beforeAll(async () => {
    pki = makeTestPki();
    server = createServer(tlsServerOptions({ cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert }), (s) => {
      admitted++;
      const id = peerIdentity(s);
      s.end(`hello ${id?.commonName} ${id?.altNames.join(',')} ${s.getProtocol()}`);
    });
    server.on('tlsClientError', (e) => clientErrors.push(String((e as { code?: string }).code)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    pki?.cleanup();
  });

  const client = (over: Partial<Parameters<typeof tlsClientOptions>[0]> = {}): ReturnType<typeof tlsClientOptions> =>
    tlsClientOptions({ ca: pki.ca.cert, identity: { cert: pki.client.cert, key: pki.client.key }, servername: 'localhost', ...over });

  it('admits a client certificate from the pinned CA over TLS 1.3 and exposes its identity', async () => {
    const r = await greet(port, client());
    expect(r).toMatchObject({ greeting: 'hello shn-client URI:spiffe://shn.test/client TLSv1.3' });
  });

  it('refuses a client without a certificate', async () => {
    const before = admitted;
    const r = await greet(port, client({ identity: undefined }));
    expect(r).toMatchObject({ code: 'UNAUTHENTICATED', tlsCode: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' });
    expect(admitted).toBe(before);
    expect(clientErrors.length).toBeGreaterThan(0);
  });

  it('refuses a client certificate from another CA', async () => {
    const before = admitted;
    const r = await greet(port, client({ identity: { cert: pki.otherCaClient.cert, key: pki.otherCaClient.key } }));
    // Node verifies a TLS 1.3 client certificate after the handshake and destroys the socket
    // without an alert: the client sees a close before any byte, the server handler never runs.
    expect(r).not.toHaveProperty('greeting');
    expect(['CLOSED', 'UNAUTHENTICATED', 'TRANSPORT_FAILED']).toContain((r as { code: string }).code);
    expect(admitted).toBe(before);
  });

  it('refuses an expired client certificate (the builder refuses it too)', async () => {
    expect(() => client({ identity: { cert: pki.expiredClient.cert, key: pki.expiredClient.key } })).toThrow(/client certificate expired at/);
    const raw = { ...client(), cert: pki.expiredClient.cert, key: pki.expiredClient.key };
    const before = admitted;
    const r = await greet(port, raw);
    expect(r).not.toHaveProperty('greeting');
    expect(['CLOSED', 'UNAUTHENTICATED', 'TRANSPORT_FAILED']).toContain((r as { code: string }).code);
    expect(admitted).toBe(before);
  });

  it('refuses a server certificate for another host name (SAN check)', async () => {
    const r = await greet(port, client({ servername: 'db.internal' }));
    expect(r).toMatchObject({ code: 'UNAUTHENTICATED', tlsCode: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('refuses a server from another CA, and a server whose fingerprint is not pinned', async () => {
    expect(await greet(port, client({ ca: pki.otherCa.cert }))).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE/) });
    const wrongPin = Array.from({ length: 32 }, () => 'AB').join(':');
    expect(await greet(port, client({ pinnedFingerprints: [wrongPin] }))).toMatchObject({ code: 'UNAUTHENTICATED', tlsCode: 'ERR_SHN_CERT_PIN_MISMATCH' });
    const fp = checkIdentity(pki.server).fingerprint256;
    expect(await greet(port, client({ pinnedFingerprints: [fp] }))).toMatchObject({ greeting: expect.stringContaining('TLSv1.3') });
  });

  it('refuses TLS 1.2', async () => {
    const r = await greet(port, { ...client(), minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    expect(r).toMatchObject({ code: 'TRANSPORT_FAILED' });
  });

  it('refuses an expired server certificate on the client side', async () => {
    expect(() => tlsServerOptions({ cert: pki.expiredServer.cert, key: pki.expiredServer.key, ca: pki.ca.cert })).toThrow(/expired at/);
    const s = createServer({ cert: pki.expiredServer.cert, key: pki.expiredServer.key, minVersion: 'TLSv1.3' }, (c) => c.end('hi'));
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    try {
      const r = await greet((s.address() as AddressInfo).port, client());
      expect(r).toMatchObject({ code: 'UNAUTHENTICATED', tlsCode: 'CERT_HAS_EXPIRED' });
    } finally {
      await new Promise((r) => s.close(r));
    }
  });

  it('reads PEM files (for reloads) and names an unreadable one', async () => {
    const config = await readTlsFiles({ certFile: pki.server.certFile, keyFile: pki.server.keyFile, caFile: pki.ca.certFile });
    expect(tlsServerOptions(config)).toMatchObject({ requestCert: true, minVersion: 'TLSv1.3' });
    await expect(readTlsFiles({ certFile: '/nonexistent/cert.pem', keyFile: pki.server.keyFile })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('/nonexistent/cert.pem') });
  });

  it('builders refuse bad material with INVALID_ARGUMENT', () => {
    expect(() => tlsServerOptions({ cert: pki.server.cert, key: pki.client.key, ca: pki.ca.cert })).toThrow(/does not belong to the certificate/);
    expect(() => tlsServerOptions({ cert: 'junk', key: pki.server.key, ca: pki.ca.cert })).toThrow(/not a PEM certificate/);
    expect(() => tlsServerOptions({ cert: pki.server.cert, key: pki.server.key })).toThrow(/mutual TLS needs ca/);
    expect(() => tlsServerOptions({ cert: pki.server.cert, key: pki.server.key, ca: pki.server.cert })).toThrow(/is not a CA certificate/);
    expect(() => tlsClientOptions({ ca: pki.ca.cert, servername: '' })).toThrow(/servername/);
    expect(tlsServerOptions({ cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert })).toMatchObject({ minVersion: 'TLSv1.3', requestCert: true, rejectUnauthorized: true });
  });

  it('reloads the server certificate without a restart; a bad reload keeps the old one', async () => {
    const fingerprint = async (): Promise<string> => {
      const socket = await tlsConnect({ ...client(), host: '127.0.0.1', port });
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.destroy();
      return fp;
    };
    const before = await fingerprint();
    expect(before).toBe(checkIdentity(pki.server).fingerprint256);
    const held = await tlsConnect({ ...client(), host: '127.0.0.1', port });
    let material = { cert: pki.server2.cert, key: pki.server2.key, ca: pki.ca.cert };
    const outcomes: boolean[] = [];
    const reloader = new CertificateReloader({ server, load: () => material, onReload: (o) => outcomes.push(o.ok) });
    const facts = await reloader.reload();
    expect(await fingerprint()).toBe(facts.fingerprint256);
    expect(facts.fingerprint256).not.toBe(before);
    material = { cert: pki.server.cert, key: pki.server2.key, ca: pki.ca.cert };
    await expect(reloader.reload()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await fingerprint()).toBe(facts.fingerprint256);
    expect(outcomes).toEqual([true, false]);
    expect(held.getPeerCertificate().fingerprint256).toBe(before);
    held.destroy();
  });
});
