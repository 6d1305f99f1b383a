import { ShnError } from '@shn/core';
import type { KvTlsOptions } from './kv-tls.js';

/** The security flags of the command line, as `startServer` options. */
export interface KvSecurityCli {
  readonly requirePass?: string;
  readonly aclFile?: string;
  readonly tls?: KvTlsOptions;
}

/** `parseArgs` option definitions of the security flags (merged into main.ts's). */
export const SECURITY_FLAGS = {
  requirepass: { type: 'string' },
  aclfile: { type: 'string' },
  'tls-port': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-ca': { type: 'string' },
  'tls-auth-clients': { type: 'string' },
} as const;

/** The usage line of the security flags. */
export const SECURITY_USAGE = '[--requirepass PASS] [--aclfile FILE] [--tls-port N --tls-cert F --tls-key F [--tls-ca F] [--tls-auth-clients yes|no]]';

/**
 * Reads the security flags out of `parseArgs` values. Returns undefined when none is given.
 * `--tls-auth-clients` is `yes` (default, as in Redis: a client certificate from `--tls-ca`
 * is required) or `no`.
 * @throws ShnError `INVALID_ARGUMENT` for an empty password or path, a bad port, `--tls-*`
 *   without `--tls-port`/`--tls-cert`/`--tls-key`, or `--tls-auth-clients yes` without `--tls-ca`.
 */
export function parseSecurityFlags(values: Record<string, string | boolean | undefined>): KvSecurityCli | undefined {
  const str = (name: keyof typeof SECURITY_FLAGS): string | undefined => {
    const v = values[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw new ShnError('INVALID_ARGUMENT', `--${name} needs a non-empty value`);
    return v;
  };
  const requirePass = str('requirepass');
  const aclFile = str('aclfile');
  const port = str('tls-port');
  const certFile = str('tls-cert');
  const keyFile = str('tls-key');
  const caFile = str('tls-ca');
  const authRaw = str('tls-auth-clients');
  let tls: KvTlsOptions | undefined;
  if (port !== undefined || certFile !== undefined || keyFile !== undefined || caFile !== undefined || authRaw !== undefined) {
    if (port === undefined || certFile === undefined || keyFile === undefined) {
      throw new ShnError('INVALID_ARGUMENT', 'the TLS port needs --tls-port, --tls-cert and --tls-key together');
    }
    if (!/^\d+$/.test(port) || Number(port) > 65535) throw new ShnError('INVALID_ARGUMENT', `--tls-port must be an integer in [0, 65535], got ${JSON.stringify(port)}`);
    if (authRaw !== undefined && authRaw !== 'yes' && authRaw !== 'no') {
      throw new ShnError('INVALID_ARGUMENT', `--tls-auth-clients must be yes or no, got ${JSON.stringify(authRaw)}`);
    }
    const authClients = authRaw !== 'no';
    if (authClients && caFile === undefined) {
      throw new ShnError('INVALID_ARGUMENT', '--tls-auth-clients yes (the default) needs --tls-ca: the CA client certificates must chain to');
    }
    tls = { port: Number(port), certFile, keyFile, authClients, ...(caFile === undefined ? {} : { caFile }) };
  }
  if (requirePass === undefined && aclFile === undefined && tls === undefined) return undefined;
  return {
    ...(requirePass === undefined ? {} : { requirePass }),
    ...(aclFile === undefined ? {} : { aclFile }),
    ...(tls === undefined ? {} : { tls }),
  };
}
