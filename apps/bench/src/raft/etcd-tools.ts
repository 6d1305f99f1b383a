import { runCommand } from '../kv/child-process-run.js';
import { hasExecutable } from '../kv/redis-tools.js';

/**
 * Makes sure `etcd` is on PATH. When it is missing and the process runs as root, installs Debian's
 * `etcd-server` with apt-get (running `apt-get update` first). Resolves to undefined when etcd is
 * available, or to a sentence saying what is missing and how to get it. Never rejects.
 */
export async function ensureEtcd(log: (line: string) => void): Promise<string | undefined> {
  if (hasExecutable('etcd')) return undefined;
  if (process.getuid?.() === 0 && hasExecutable('apt-get')) {
    log('raft: installing etcd-server with apt-get...');
    try {
      await runCommand('apt-get', ['update'], 300_000);
      await runCommand('apt-get', ['install', '-y', '--no-install-recommends', 'etcd-server'], 300_000);
    } catch (e) {
      return `etcd missing and apt-get install etcd-server failed: ${(e as Error).message}`;
    }
  }
  if (hasExecutable('etcd')) return undefined;
  return "etcd not found on PATH; install Debian's etcd-server (apt-get install -y etcd-server)";
}
