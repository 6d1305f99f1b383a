import type { Server } from 'node:tls';
import { ShnError, systemClock, toShnError } from '@shn/core';
import type { Clock } from '@shn/core';
import { checkIdentity } from './tls-material.js';
import type { CertificateFacts } from './tls-material.js';
import { tlsServerOptions } from './tls-options.js';
import type { TlsServerConfig } from './tls-options.js';

/** Options for {@link CertificateReloader}. */
export interface CertificateReloaderOptions {
  /** The running `tls.Server` (or `https.Server`) whose certificates to swap. */
  readonly server: Pick<Server, 'setSecureContext'>;
  /** Loads the current certificates, e.g. by reading the PEM files again. */
  readonly load: () => TlsServerConfig | Promise<TlsServerConfig>;
  readonly clock?: Clock;
  /** Told about every reload, successful or not. Must not throw. */
  readonly onReload?: (outcome: { readonly ok: true; readonly certificate: CertificateFacts } | { readonly ok: false; readonly error: ShnError }) => void;
}

/**
 * Reloads a TLS server's certificate, key and client CA without a restart: `reload()` loads the
 * material, checks it (parses, key matches, valid now, CA bundle) and swaps the server's
 * `SecureContext` with `setSecureContext`. New handshakes use the new material; established
 * connections keep theirs. A failed reload leaves the old context in place. Call `reload()` on
 * SIGHUP, on a file-watch event or from a Timer; the reloader does not watch by itself.
 */
export class CertificateReloader {
  readonly #o: CertificateReloaderOptions;
  #current: CertificateFacts | undefined;

  constructor(options: CertificateReloaderOptions) {
    if (typeof options?.server?.setSecureContext !== 'function' || typeof options.load !== 'function') {
      throw new ShnError('INVALID_ARGUMENT', 'CertificateReloader needs { server (with setSecureContext), load }');
    }
    this.#o = options;
  }

  /** Facts about the certificate installed by the last successful reload. */
  get current(): CertificateFacts | undefined {
    return this.#current;
  }

  /**
   * Loads, checks and installs the material.
   * @throws ShnError `INVALID_ARGUMENT` when the new material is unusable (the old context stays).
   */
  async reload(): Promise<CertificateFacts> {
    try {
      const config = await this.#o.load();
      const clock = config.clock ?? this.#o.clock ?? systemClock;
      const facts = checkIdentity(config, 'reloaded server certificate', clock);
      this.#o.server.setSecureContext(tlsServerOptions({ ...config, clock }));
      this.#current = facts;
      this.#o.onReload?.({ ok: true, certificate: facts });
      return facts;
    } catch (e) {
      const error = toShnError(e, 'INVALID_ARGUMENT');
      this.#o.onReload?.({ ok: false, error });
      throw error;
    }
  }
}
