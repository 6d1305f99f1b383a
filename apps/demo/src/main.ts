#!/usr/bin/env node
/**
 * shn-kv: a sharded key-value server speaking RESP2 (the Redis protocol).
 *
 * As a program: `node dist/main.js [--port 6380] [--host 127.0.0.1] [--admin-port 9464] [--shards N]`.
 * As a library: `startServer({ port: 0, adminPort: 0, shards: 2 })`.
 */
import { realpathSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ShnError } from '@shn/core';
import { startServer } from './server/start-server.js';

export { startServer, defaultSystemModule, RESERVED_PORTS } from './server/start-server.js';
export type { RunningServer, StartServerOptions } from './server/start-server.js';
export { CommandExecutor } from './kv/command-executor.js';
export type { CommandRouter } from './kv/command-executor.js';
export { LocalBackend } from './kv/local-backend.js';
export { RespParser } from './resp/resp-parser.js';
export { RespWriter, encodeReply } from './resp/resp-writer.js';
export type { Reply, ErrorReply } from './resp/reply.js';

/** Parsed command-line options. */
export interface CliOptions {
  readonly port: number;
  readonly host: string;
  readonly adminPort: number;
  readonly shards: number;
}

/**
 * Parses argv (without `node script`) and the environment (`SHN_KV_PORT`, `SHN_KV_ADMIN_PORT`).
 *
 * @throws ShnError `INVALID_ARGUMENT` for unknown flags or values that are not valid ports / shard counts.
 */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { port: { type: 'string' }, host: { type: 'string' }, 'admin-port': { type: 'string' }, shards: { type: 'string' } },
      strict: true,
    }));
  } catch (err) {
    throw new ShnError('INVALID_ARGUMENT', (err as Error).message);
  }
  const int = (name: string, raw: string | undefined, fallback: number, min: number, max: number): number => {
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new ShnError('INVALID_ARGUMENT', `${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(raw)}`);
    }
    return Number(raw);
  };
  return {
    port: int('--port', (values['port'] as string | undefined) ?? env['SHN_KV_PORT'], 6380, 0, 65535),
    host: (values['host'] as string | undefined) ?? '127.0.0.1',
    adminPort: int('--admin-port', (values['admin-port'] as string | undefined) ?? env['SHN_KV_ADMIN_PORT'], 9464, 0, 65535),
    shards: int('--shards', values['shards'] as string | undefined, availableParallelism(), 1, 256),
  };
}

async function runCli(): Promise<void> {
  let cli: CliOptions;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (err) {
    console.error(`shn-kv: ${(err as Error).message}`);
    console.error('usage: shn-kv [--port 6380] [--host 127.0.0.1] [--admin-port 9464] [--shards N]');
    process.exitCode = 2;
    return;
  }
  const server = await startServer(cli);
  console.log(`shn-kv listening on ${cli.host}:${server.port} with ${server.runtime.shards} shards`);
  console.log(`admin http://${cli.host}:${server.adminPort}/ (livez, readyz, startupz, info)`);
  console.log(`connect with: redis-cli -p ${server.port}`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`shn-kv: ${signal}, shutting down`);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('shn-kv: shutdown failed', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  runCli().catch((err: unknown) => {
    console.error(`shn-kv: ${(err as Error).message}`);
    process.exitCode = 1;
  });
}
