import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tlsServerOptions } from '../tls/tls-options.js';
import { hasOpenssl } from '../tls/test-pki.test-helper.js';
import { makeTestPki } from './index.js';

describe.skipIf(!hasOpenssl)('makeTestPki (@shn/security/testing)', () => {
  it('issues chains that verify, with the names, validity and usages the docs state, and cleans up', () => {
    const pki = makeTestPki();
    try {
      const ca = new X509Certificate(pki.ca.cert);
      const other = new X509Certificate(pki.otherCa.cert);
      const server = new X509Certificate(pki.server.cert);
      const client = new X509Certificate(pki.client.cert);
      expect(ca.ca).toBe(true);
      expect(server.verify(ca.publicKey)).toBe(true);
      expect(client.verify(ca.publicKey)).toBe(true);
      expect(new X509Certificate(pki.otherCaClient.cert).verify(other.publicKey)).toBe(true);
      expect(new X509Certificate(pki.otherCaClient.cert).verify(ca.publicKey)).toBe(false);
      expect(server.subjectAltName).toMatch(/DNS:localhost/);
      expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
      expect(client.subjectAltName).toContain('URI:spiffe://shn.test/client');
      expect(new Date(new X509Certificate(pki.expiredServer.cert).validTo).getTime()).toBeLessThan(Date.now());
      expect(new X509Certificate(pki.server2.cert).publicKey.export({ format: 'der', type: 'spki' })).not.toEqual(server.publicKey.export({ format: 'der', type: 'spki' }));
      expect(existsSync(pki.server.certFile) && existsSync(pki.server.keyFile)).toBe(true);
      // The server identity passes the package's own checks (key matches, not expired).
      expect(() => tlsServerOptions({ cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert })).not.toThrow();
    } finally {
      pki.cleanup();
    }
    expect(existsSync(pki.dir)).toBe(false);
  });
});
