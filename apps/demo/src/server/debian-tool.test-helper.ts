import { execFileSync } from 'node:child_process';

/** True if `name` is on PATH. */
function onPath(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes a Debian tool available for a test: returns true when `name` is on PATH, installing
 * `pkg` with apt-get first when running as root. Otherwise returns false after `skip` with a
 * clear message, or throws under CI (a missing tool never skips there).
 */
export function requireDebianTool(name: string, pkg: string, skip: (message: string) => void): boolean {
  if (onPath(name)) return true;
  if (process.getuid?.() === 0) {
    try {
      execFileSync('sh', ['-c', `apt-get install -y ${pkg} || (apt-get update && apt-get install -y ${pkg})`], { stdio: 'ignore', timeout: 300_000 });
    } catch {
      // fall through to the checks below
    }
    if (onPath(name)) return true;
  }
  const message = `${name} not found on PATH (Debian package ${pkg}); install it to run this test`;
  if (process.env['CI']) throw new Error(`${message}: it is required under CI`);
  skip(message);
  return false;
}
