import { opensslAvailable } from '../testing/index.js';

export { makeTestPki } from '../testing/index.js';
export type { Issued, TestPki } from '../testing/index.js';

/** True when the `openssl` CLI is on PATH. Under CI its absence is a failure, not a skip. */
export const hasOpenssl = opensslAvailable();
if (!hasOpenssl && process.env.CI) throw new Error('openssl is required under CI (apt-get install -y openssl)');
if (!hasOpenssl) console.warn('TLS tests skipped: the openssl CLI was not found (apt-get install -y openssl)');
