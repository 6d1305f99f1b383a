import type { ServerStats } from '../kv/command-spec.js';

/** Mutable counters the TCP server updates and INFO reads. */
export class ServerCounters implements ServerStats {
  tcpPort = 0;
  connectedClients = 0;
  totalConnections = 0;
  totalCommands = 0;
  /** Connections closed because of a protocol error. */
  protocolErrors = 0;
  /** Connections closed because their unread replies passed the output cap. */
  outputLimitDisconnects = 0;
  /** Batches a shard refused (full) that the gateway queued again and retried; 0 in normal operation. */
  shardRefusals = 0;
  /** Next CLIENT ID. */
  nextClientId = 1;
}
