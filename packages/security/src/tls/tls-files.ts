import { readFile } from 'node:fs/promises';
import { ShnError } from '@shn/core';
import type { TlsServerConfig } from './tls-options.js';

/** Paths of PEM files, named like Redis's `tls-cert-file`, `tls-key-file`, `tls-ca-cert-file`. */
export interface TlsFilePaths {
  readonly certFile: string;
  readonly keyFile: string;
  /** CA bundle client certificates must chain to; required for mutual TLS. */
  readonly caFile?: string;
  /** Like Redis's `tls-auth-clients` (default true: mutual TLS). */
  readonly requireClientCert?: boolean;
}

/**
 * Reads the PEM files into a {@link TlsServerConfig}; use it as a `CertificateReloader`'s `load`
 * so a reload picks up rotated files.
 * @throws ShnError `INVALID_ARGUMENT` naming the file that cannot be read.
 */
export async function readTlsFiles(paths: TlsFilePaths): Promise<TlsServerConfig> {
  const read = async (file: string, what: string): Promise<Buffer> => {
    try {
      return await readFile(file);
    } catch (cause) {
      throw new ShnError('INVALID_ARGUMENT', `cannot read ${what} ${file}: ${(cause as Error).message}`, { cause });
    }
  };
  const [cert, key, ca] = await Promise.all([
    read(paths.certFile, 'TLS certificate file'),
    read(paths.keyFile, 'TLS key file'),
    paths.caFile === undefined ? undefined : read(paths.caFile, 'TLS CA file'),
  ]);
  return { cert, key, ...(ca === undefined ? {} : { ca }), ...(paths.requireClientCert === undefined ? {} : { requireClientCert: paths.requireClientCert }) };
}
