import type { ShardGauges } from '@shn/core';
import type { ServerStats } from './command-spec.js';

/** Everything the INFO text is built from. */
export interface InfoInput {
  readonly stats: ServerStats;
  /** The connection INFO runs on (its shard is reported). */
  readonly session?: { readonly shard?: number };
  readonly uptimeSeconds: number;
  readonly gauges: readonly ShardGauges[];
  /** Per shard: live keys and keys with a TTL (undefined when the shard did not answer). */
  readonly shardKeys: readonly ({ keys: number; expires: number; commands?: number } | undefined)[];
  /** The serving thread's circuit breakers, `[destination, formatSnapshot]` (INFO `# Breakers`). */
  readonly breakers?: readonly (readonly [string, string])[];
}

/** The section names INFO knows, in output order. */
export const INFO_SECTIONS = ['server', 'clients', 'memory', 'stats', 'keyspace', 'shards', 'breakers'] as const;

/**
 * Builds Redis-style INFO text (`# Section` headers, `field:value` lines, CRLF line ends).
 * `sections` are lower-case names; empty, `default`, `all` or `everything` means every section.
 * Unknown sections contribute nothing (Redis returns an empty bulk for them).
 */
export function infoReport(input: InfoInput, sections: readonly string[]): string {
  const wanted = sections.length === 0 || sections.some((s) => s === 'all' || s === 'default' || s === 'everything')
    ? new Set<string>(INFO_SECTIONS)
    : new Set(sections);
  const blocks: string[] = [];
  const { stats } = input;
  if (wanted.has('server')) {
    blocks.push(block('Server', [
      ['redis_version', '7.0.0'],
      ['shn_kv_version', '0.1.0'],
      ['redis_mode', 'standalone'],
      ['os', `${process.platform} ${process.arch}`],
      ['arch_bits', '64'],
      ['process_id', String(process.pid)],
      ['tcp_port', String(stats.tcpPort)],
      ['uptime_in_seconds', String(Math.floor(input.uptimeSeconds))],
      ['shards', String(input.gauges.length)],
      ['connection_mode', stats.connectionMode ?? 'gateway'],
      ['served_by_shard', input.session?.shard === undefined ? 'gateway' : String(input.session.shard)],
    ]));
  }
  if (wanted.has('memory')) {
    const mem = process.memoryUsage();
    blocks.push(block('Memory', [
      ['used_memory', String(mem.heapUsed + mem.arrayBuffers)],
      ['used_memory_rss', String(mem.rss)],
      ['mem_allocator', 'libc'],
    ]));
  }
  if (wanted.has('clients')) {
    blocks.push(block('Clients', [['connected_clients', String(stats.connectedClients)]]));
  }
  if (wanted.has('stats')) {
    blocks.push(block('Stats', [
      ['total_connections_received', String(stats.totalConnections)],
      ['total_commands_processed', String(stats.totalCommands)],
      ['client_output_limit_disconnections', String(stats.outputLimitDisconnects ?? 0)],
      ['shard_refusals_retried', String(stats.shardRefusals ?? 0)],
    ]));
  }
  if (wanted.has('keyspace')) {
    let keys = 0;
    let expires = 0;
    for (const s of input.shardKeys) {
      keys += s?.keys ?? 0;
      expires += s?.expires ?? 0;
    }
    blocks.push(block('Keyspace', keys > 0 ? [['db0', `keys=${keys},expires=${expires},avg_ttl=0`]] : []));
  }
  if (wanted.has('shards') && input.gauges.length === 0) {
    // Shard-owned mode: a shard thread has no runtime gauges; each shard's own answer stands in.
    blocks.push(block('Shards', input.shardKeys.map((k, i) => [
      `shard${i}`,
      k === undefined ? 'state=unreachable' : `state=up,keys=${k.keys},processed=${k.commands ?? 0}`,
    ] as const)));
  } else if (wanted.has('shards')) {
    blocks.push(block('Shards', input.gauges.map((g, i) => {
      const k = input.shardKeys[i];
      return [
        `shard${g.shard}`,
        `state=${g.state},keys=${k === undefined ? '?' : k.keys},processed=${g.processed},mailbox_depth=${g.mailboxDepth},busy_ratio=${g.busyRatio.toFixed(3)},restarts=${g.restarts}`,
      ] as const;
    })));
  }
  if (wanted.has('breakers')) blocks.push(block('Breakers', input.breakers ?? []));
  return blocks.join('\r\n');
}

function block(title: string, fields: readonly (readonly [string, string])[]): string {
  return `# ${title}\r\n${fields.map(([k, v]) => `${k}:${v}\r\n`).join('')}`;
}
