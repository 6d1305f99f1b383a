import { checkServerIdentity as nodeCheckServerIdentity } from 'node:tls';
import type { ConnectionOptions, PeerCertificate, TlsOptions } from 'node:tls';
import { ShnError, systemClock } from '@shn/core';
import type { Clock } from '@shn/core';
import { checkCaBundle, checkIdentity } from './tls-material.js';
import type { Pem, TlsIdentity } from './tls-material.js';

/** The only protocol version the builders allow: TLS 1.3 (no downgrade to 1.2). */
export const TLS_MIN_VERSION = 'TLSv1.3';

/** Options for {@link tlsServerOptions}. */
export interface TlsServerConfig extends TlsIdentity {
  /**
   * CA certificates that client certificates must chain to (CA pinning: the system store is
   * never used). Required when `requireClientCert` is true.
   */
  readonly ca?: Pem | readonly Pem[];
  /** Mutual TLS: ask for and require a client certificate signed by `ca` (default true). */
  readonly requireClientCert?: boolean;
  /** Checked at build time: the certificate must be valid now. */
  readonly clock?: Clock;
  /** ALPN protocols to offer, e.g. `['redis']`. */
  readonly alpnProtocols?: readonly string[];
}

/**
 * Builds `node:tls` server options (for `tls.createServer`, `server.setSecureContext`): TLS 1.3
 * only, the server identity checked (parses, key matches, not expired), and for mutual TLS
 * `requestCert` + `rejectUnauthorized` with the pinned `ca`. A client without a certificate, or
 * with one from another CA or expired, fails the handshake.
 * @throws ShnError `INVALID_ARGUMENT` for a bad identity or CA bundle, or mutual TLS without `ca`.
 */
export function tlsServerOptions(config: TlsServerConfig): TlsOptions {
  const clock = config.clock ?? systemClock;
  checkIdentity(config, 'server certificate', clock);
  const requireClientCert = config.requireClientCert ?? true;
  if (requireClientCert && config.ca === undefined) {
    throw new ShnError('INVALID_ARGUMENT', 'mutual TLS needs ca: the CA certificates client certificates must chain to');
  }
  const ca = config.ca === undefined ? undefined : checkCaBundle(config.ca, 'client ca');
  return {
    cert: config.cert,
    key: config.key,
    ...(config.passphrase === undefined ? {} : { passphrase: config.passphrase }),
    ...(ca === undefined ? {} : { ca }),
    minVersion: TLS_MIN_VERSION,
    maxVersion: TLS_MIN_VERSION,
    requestCert: requireClientCert,
    rejectUnauthorized: requireClientCert,
    ...(config.alpnProtocols === undefined ? {} : { ALPNProtocols: [...config.alpnProtocols] }),
  };
}

/** Options for {@link tlsClientOptions}. */
export interface TlsClientConfig {
  /** CA certificates the server must chain to (pinned; the system store is not used). */
  readonly ca: Pem | readonly Pem[];
  /** The client certificate and key, for mutual TLS. */
  readonly identity?: TlsIdentity;
  /** The name the server certificate must carry (SNI and the hostname/SAN check). */
  readonly servername: string;
  /** Optional SHA-256 certificate fingerprints (`AA:BB:...`) the server leaf must match, on top of the chain check. */
  readonly pinnedFingerprints?: readonly string[];
  readonly clock?: Clock;
  readonly alpnProtocols?: readonly string[];
}

/**
 * A `checkServerIdentity` that runs Node's hostname/SAN check and then the optional
 * fingerprint pins. Returns an Error (refusing the connection) or undefined.
 */
export function pinnedServerIdentity(pins: readonly string[] | undefined): (host: string, cert: PeerCertificate) => Error | undefined {
  const normalised = pins?.map((p) => p.toUpperCase());
  return (host, cert) => {
    const e = nodeCheckServerIdentity(host, cert);
    if (e !== undefined) return e;
    if (normalised !== undefined && normalised.length > 0 && !normalised.includes(String(cert.fingerprint256).toUpperCase())) {
      return Object.assign(new Error(`server certificate ${cert.fingerprint256} matches none of the ${normalised.length} pinned fingerprints`), {
        code: 'ERR_SHN_CERT_PIN_MISMATCH',
      });
    }
    return undefined;
  };
}

/**
 * Builds `node:tls` client options (for `tls.connect`): TLS 1.3 only, the pinned `ca`,
 * `rejectUnauthorized`, SNI and a hostname/SAN check against `servername` (plus fingerprint pins).
 * @throws ShnError `INVALID_ARGUMENT` for a bad CA bundle or identity, or an empty servername.
 */
export function tlsClientOptions(config: TlsClientConfig): ConnectionOptions {
  if (typeof config?.servername !== 'string' || config.servername.length === 0) {
    throw new ShnError('INVALID_ARGUMENT', 'servername (the host name the server certificate must carry) is required');
  }
  const ca = checkCaBundle(config.ca, 'server ca');
  if (config.identity !== undefined) checkIdentity(config.identity, 'client certificate', config.clock ?? systemClock);
  for (const p of config.pinnedFingerprints ?? []) {
    if (!/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/.test(p)) throw new ShnError('INVALID_ARGUMENT', `pinned fingerprint must be SHA-256 as AA:BB:..., got ${p}`);
  }
  return {
    ca,
    ...(config.identity === undefined
      ? {}
      : { cert: config.identity.cert, key: config.identity.key, ...(config.identity.passphrase === undefined ? {} : { passphrase: config.identity.passphrase }) }),
    servername: config.servername,
    minVersion: TLS_MIN_VERSION,
    maxVersion: TLS_MIN_VERSION,
    rejectUnauthorized: true,
    checkServerIdentity: pinnedServerIdentity(config.pinnedFingerprints),
    ...(config.alpnProtocols === undefined ? {} : { ALPNProtocols: [...config.alpnProtocols] }),
  };
}
