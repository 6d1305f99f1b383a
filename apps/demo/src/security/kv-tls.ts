import { ShnError } from '@shn/core';
import { CertificateReloader, readTlsFiles, tlsServerOptions, type CertificateFacts, type TlsFilePaths } from '@shn/security';
import type { CommandRouter } from '../kv/command-executor.js';
import type { ConnectionLimits } from '../server/connection.js';
import { listenKv, type KvListener } from '../server/kv-server.js';
import type { ServerCounters } from '../server/server-counters.js';

/** The optional TLS port (`--tls-port --tls-cert --tls-key [--tls-ca] [--tls-auth-clients]`). */
export interface KvTlsOptions {
  /** TLS port (0 = ephemeral). */
  readonly port: number;
  /** PEM server certificate (chain) file, like Redis's `tls-cert-file`. */
  readonly certFile: string;
  /** PEM private key file (`tls-key-file`). */
  readonly keyFile: string;
  /** PEM CA bundle client certificates must chain to (`tls-ca-cert-file`); required when `authClients`. */
  readonly caFile?: string;
  /** Require a client certificate (`tls-auth-clients yes`, the default, as in Redis). */
  readonly authClients?: boolean;
}

/** A listening TLS port. */
export interface KvTlsListener extends KvListener {
  /**
   * Reads the certificate files again and swaps them in for new handshakes (SIGHUP); open
   * connections keep theirs, and a failed reload keeps the old certificates.
   * @throws ShnError `INVALID_ARGUMENT` when the new files are unusable.
   */
  reload(): Promise<CertificateFacts>;
}

/** The PEM file paths of {@link KvTlsOptions}, as `readTlsFiles` wants them. */
export function tlsFilePaths(o: KvTlsOptions): TlsFilePaths {
  return {
    certFile: o.certFile,
    keyFile: o.keyFile,
    ...(o.caFile === undefined ? {} : { caFile: o.caFile }),
    requireClientCert: o.authClients ?? true,
  };
}

/**
 * Starts the TLS port in the main thread, in both connection modes: the same RESP connection
 * handler (and ACL gate) as the plain port, on a `node:tls` server from `tlsServerOptions`
 * (TLS 1.3 only; with `authClients`, a client certificate chaining to `caFile` is required).
 * @throws ShnError `INVALID_ARGUMENT` for unreadable or unusable certificate files,
 *   `TRANSPORT_FAILED` if the port cannot be bound.
 */
export async function listenKvTls(options: {
  readonly tls: KvTlsOptions;
  readonly router: CommandRouter;
  readonly counters: ServerCounters;
  readonly host?: string;
  readonly limits?: Partial<ConnectionLimits>;
}): Promise<KvTlsListener> {
  const files = tlsFilePaths(options.tls);
  const tls = tlsServerOptions(await readTlsFiles(files));
  const listener = await listenKv({ router: options.router, counters: options.counters, host: options.host, port: options.tls.port, limits: options.limits, tls });
  const server = listener.tlsServer;
  if (server === undefined) throw new ShnError('TRANSPORT_FAILED', 'listenKv did not start a TLS server');
  const reloader = new CertificateReloader({ server, load: () => readTlsFiles(files) });
  return { ...listener, port: listener.port, reload: () => reloader.reload() };
}
