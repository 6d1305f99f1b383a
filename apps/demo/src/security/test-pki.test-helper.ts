import { opensslAvailable } from '@shn/security/testing';
import { requireDebianTool } from '../server/debian-tool.test-helper.js';

/**
 * True when the `openssl` CLI is on PATH (installed with apt-get first when running as root).
 * Missing: a warning and false (the TLS tests skip), or a thrown error under CI.
 */
function ensureOpenssl(): boolean {
  if (opensslAvailable()) return true;
  return requireDebianTool('openssl', 'openssl', (m) => console.warn(`shn-kv TLS tests skipped: ${m}`));
}

/** True when the `openssl` CLI is available. Under CI its absence is a failure, not a skip. */
export const hasOpenssl = ensureOpenssl();

export { makeTestPki } from '@shn/security/testing';
export type { Issued, TestPki } from '@shn/security/testing';
