import net from 'node:net';
import { ShnError } from '@shn/core';

/** Ports the bench never hands out: a real Redis (6379) and other services run there. */
export const RESERVED_PORTS: ReadonlySet<number> = new Set([6379, 6380, 4222, 5432, 5672, 3306, 1883, 9464]);

function probe(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A TCP port on `host` that was free a moment ago (the OS picked it for port 0), never one of
 * {@link RESERVED_PORTS}. There is a small race between closing the probe and the caller
 * binding it; callers start their server right away. Rejects with ShnError TRANSPORT_FAILED if
 * no port could be found in 20 tries.
 */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await probe(host).catch(() => 0);
    if (port > 0 && !RESERVED_PORTS.has(port)) return port;
  }
  throw new ShnError('TRANSPORT_FAILED', `could not find a free TCP port on ${host}`);
}
