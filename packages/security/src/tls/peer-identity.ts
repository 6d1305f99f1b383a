import type { TLSSocket } from 'node:tls';

/** Who is on the other end of an authorised mutual-TLS connection. */
export interface PeerIdentity {
  /** The certificate's subject common name, if any. */
  readonly commonName: string | undefined;
  /** Subject alternative names, as `DNS:x`, `URI:spiffe://...`, `IP Address:...`. */
  readonly altNames: readonly string[];
  /** SHA-256 fingerprint of the peer's leaf certificate. */
  readonly fingerprint256: string;
}

/**
 * The verified identity of the peer of a TLS socket, or undefined when the socket is not
 * authorised or the peer sent no certificate. Map it to a principal (e.g. the first `URI:` SAN,
 * or the common name) for the authorization middleware.
 */
export function peerIdentity(socket: TLSSocket): PeerIdentity | undefined {
  if (!socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  if (cert === null || typeof cert !== 'object' || Object.keys(cert).length === 0) return undefined;
  const cn = (cert.subject as Record<string, string | string[]> | undefined)?.CN;
  return {
    commonName: Array.isArray(cn) ? cn[0] : cn,
    altNames: typeof cert.subjectaltname === 'string' ? cert.subjectaltname.split(', ').filter((s) => s.length > 0) : [],
    fingerprint256: cert.fingerprint256,
  };
}
