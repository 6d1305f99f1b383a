/** How client connections are served. */
export type ConnectionMode = 'gateway' | 'shard-owned';

/** What `startServer({ connections })` asks for: a mode, or `auto` (shard-owned where it works). */
export type ConnectionModeRequest = ConnectionMode | 'auto';

/**
 * Whether this Node and platform can give every shard its own listener on one port:
 * `net.Server.listen({ reusePort: true })` exists from Node 22.12 and 23.1, and works on Linux
 * (and some BSDs; shn-kv only tries Linux).
 */
export function reusePortSupport(version = process.versions.node, platform: string = process.platform): { ok: boolean; reason: string } {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const has = major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
  if (!has) return { ok: false, reason: `Node ${version} has no reusePort (it needs 22.12+ or 23.1+)` };
  if (platform !== 'linux') return { ok: false, reason: `reusePort is only used on Linux, not ${platform}` };
  return { ok: true, reason: `Node ${version} on Linux: every shard listens with reusePort` };
}
