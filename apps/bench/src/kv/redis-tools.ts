import { execFileSync } from 'node:child_process';
import { runCommand } from './child-process-run.js';

/** True if `name` is an executable on PATH. */
export function hasExecutable(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const NEEDED = ['redis-benchmark', 'redis-server'] as const;

/**
 * Makes sure `redis-benchmark` and `redis-server` are on PATH. When they are missing and the
 * process runs as root, installs Debian's `redis-tools` and `redis-server` with apt-get
 * (running `apt-get update` first). Resolves to undefined when both are available, or to a
 * sentence saying what is missing and how to get it. Never rejects.
 */
export async function ensureRedisTools(log: (line: string) => void): Promise<string | undefined> {
  const missing = () => NEEDED.filter((n) => !hasExecutable(n));
  if (missing().length === 0) return undefined;
  if (process.getuid?.() === 0 && hasExecutable('apt-get')) {
    log(`kv: installing ${missing().join(', ')} with apt-get...`);
    try {
      await runCommand('apt-get', ['update'], 300_000);
      await runCommand('apt-get', ['install', '-y', '--no-install-recommends', 'redis-tools', 'redis-server'], 300_000);
    } catch (e) {
      return `${missing().join(' and ')} missing and apt-get install failed: ${(e as Error).message}`;
    }
  }
  const still = missing();
  if (still.length === 0) return undefined;
  return `${still.join(' and ')} not found on PATH; install Debian's redis-tools and redis-server (apt-get install -y redis-tools redis-server)`;
}
