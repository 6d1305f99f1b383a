import { X509Certificate, createPrivateKey } from 'node:crypto';
import { ShnError, systemClock } from '@shn/core';
import type { Clock } from '@shn/core';

/** PEM text or bytes. */
export type Pem = string | Buffer;

/** A certificate chain and its private key. */
export interface TlsIdentity {
  /** The leaf certificate first, then intermediates (PEM). */
  readonly cert: Pem;
  /** The private key (PEM). */
  readonly key: Pem;
  /** Passphrase of an encrypted key. */
  readonly passphrase?: string;
}

/** What {@link checkIdentity} found about a certificate. */
export interface CertificateFacts {
  readonly subject: string;
  readonly subjectAltName: string | undefined;
  /** Epoch ms. */
  readonly validFrom: number;
  readonly validTo: number;
  /** SHA-256 fingerprint, `AA:BB:...`. */
  readonly fingerprint256: string;
}

function parseCert(pem: Pem, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (cause) {
    throw new ShnError('INVALID_ARGUMENT', `${what} is not a PEM certificate`, { cause });
  }
}

/**
 * Checks that an identity is usable now: the certificate parses, the key matches it, and the
 * clock is inside its validity period.
 * @throws ShnError `INVALID_ARGUMENT` naming the problem (bad PEM, key mismatch, not yet valid, expired with the date).
 */
export function checkIdentity(identity: TlsIdentity, what = 'certificate', clock: Clock = systemClock): CertificateFacts {
  if (identity === null || typeof identity !== 'object') throw new ShnError('INVALID_ARGUMENT', `${what}: expected { cert, key }`);
  const cert = parseCert(identity.cert, what);
  let key;
  try {
    key = createPrivateKey(identity.passphrase === undefined ? identity.key : { key: identity.key, passphrase: identity.passphrase });
  } catch (cause) {
    throw new ShnError('INVALID_ARGUMENT', `${what}: the private key does not parse (or the passphrase is wrong)`, { cause });
  }
  if (!cert.checkPrivateKey(key)) throw new ShnError('INVALID_ARGUMENT', `${what}: the private key does not belong to the certificate`);
  const facts = certificateFacts(cert);
  const now = clock.now();
  if (now < facts.validFrom) throw new ShnError('INVALID_ARGUMENT', `${what} is not valid before ${cert.validFrom}`);
  if (now > facts.validTo) throw new ShnError('INVALID_ARGUMENT', `${what} expired at ${cert.validTo}`);
  return facts;
}

/**
 * Checks that every PEM in `ca` is a CA certificate (one string may hold several).
 * @throws ShnError `INVALID_ARGUMENT` for an empty list, bad PEM or a certificate without CA:TRUE.
 */
export function checkCaBundle(ca: Pem | readonly Pem[], what = 'ca'): Pem[] {
  const list = (Array.isArray(ca) ? ca : [ca]) as Pem[];
  if (list.length === 0) throw new ShnError('INVALID_ARGUMENT', `${what}: at least one CA certificate is needed (CA pinning)`);
  for (const pem of list) {
    const blocks = String(pem).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
    if (blocks === null) throw new ShnError('INVALID_ARGUMENT', `${what} holds no PEM certificate`);
    for (const b of blocks) {
      if (!parseCert(b, what).ca) throw new ShnError('INVALID_ARGUMENT', `${what}: ${parseCert(b, what).subject.replace(/\n/g, ', ')} is not a CA certificate`);
    }
  }
  return list;
}

/** The facts of a parsed certificate. */
export function certificateFacts(cert: X509Certificate): CertificateFacts {
  return {
    subject: cert.subject,
    subjectAltName: cert.subjectAltName,
    validFrom: Date.parse(cert.validFrom),
    validTo: Date.parse(cert.validTo),
    fingerprint256: cert.fingerprint256,
  };
}
