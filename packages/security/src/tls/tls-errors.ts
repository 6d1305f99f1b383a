import { ShnError } from '@shn/core';

const AUTH_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SHN_CERT_PIN_MISMATCH',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE',
]);

/**
 * Turns a TLS failure (`tls.connect` error, `tlsClientError`) into a typed error:
 * `UNAUTHENTICATED` when a peer certificate was missing, untrusted, expired or for another
 * name; `TRANSPORT_FAILED` otherwise. `details.tlsCode` keeps OpenSSL's/Node's code.
 */
export function tlsFailure(error: unknown): ShnError {
  const code = String((error as { code?: unknown })?.code ?? '');
  const message = error instanceof Error ? error.message : String(error);
  const auth = AUTH_CODES.has(code) || /certificate|alert unknown ca/i.test(message);
  return new ShnError(auth ? 'UNAUTHENTICATED' : 'TRANSPORT_FAILED', `TLS ${auth ? 'peer authentication' : 'connection'} failed: ${code === '' ? '' : `${code}: `}${message}`, {
    cause: error,
    details: { tlsCode: code },
  });
}
