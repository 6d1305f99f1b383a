#!/usr/bin/env node
/**
 * shn-kv: a sharded key-value server speaking RESP2 (the Redis protocol).
 *
 * As a program: `node dist/main.js [--port 6380] [--host 127.0.0.1] [--admin-port 9464] [--shards N]
 * [--chaos [--chaos-interval-ms 3000] [--chaos-seed 1]] [--chaos-rules default|JSON] [--record DIR]
 * [--requirepass PASS] [--aclfile FILE] [--tls-port N --tls-cert F --tls-key F [--tls-ca F] [--tls-auth-clients yes|no]]
 * [--admission [--admission-rate N] [--admission-burst N] [--admission-limit gradient2|aimd|none|N] [--admission-busy-rate N]]
 * [--dir DIR [--appendonly yes|no] [--appendfsync always|everysec|no] [--save-interval-ms 1000]]`.
 * As a library: `startServer({ port: 0, adminPort: 0, shards: 2 })`.
 */
import { realpathSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ShnError } from '@shn/core';
import { startServer } from './server/start-server.js';
import { chaosSystemModule } from './chaos/chaos-system-module.js';
import { formatWorkload, startChaos } from './chaos/run-chaos.js';
import { kvChaosRules, type ChaosSystemParams } from './chaos/chaos-system.js';
import type { ConnectionModeRequest } from './server/connection-mode.js';
import { telemetryModeOf, type KvTelemetryParams } from './telemetry/kv-telemetry.js';
import { otlpTracesUrl } from './telemetry/tracing-sdk.js';
import { parseSecurityFlags, SECURITY_FLAGS, SECURITY_USAGE, type KvSecurityCli } from './security/security-cli.js';
import { ADMISSION_FLAGS, ADMISSION_USAGE, parseAdmissionFlags, type AdmissionConfig } from './admission/admission-config.js';
import type { KvPersistenceOptions } from './persistence/kv-persistence-params.js';

export { startServer, defaultSystemModule, RESERVED_PORTS } from './server/start-server.js';
export type { RunningServer, StartServerOptions } from './server/start-server.js';
export { CommandExecutor } from './kv/command-executor.js';
export type { CommandRouter } from './kv/command-executor.js';
export { LocalBackend } from './kv/local-backend.js';
export { RespParser } from './resp/resp-parser.js';
export { RespWriter, encodeReply } from './resp/resp-writer.js';
export type { Reply, ErrorReply } from './resp/reply.js';
export { startChaos, formatWorkload } from './chaos/run-chaos.js';
export type { ChaosRun, ChaosRunOptions } from './chaos/run-chaos.js';
export type { KvPersistenceOptions } from './persistence/kv-persistence-params.js';
export { chaosSystemModule } from './chaos/chaos-system-module.js';
export type { AdmissionConfig } from './admission/admission-config.js';

/** Parsed command-line options. */
export interface CliOptions {
  readonly port: number;
  readonly host: string;
  readonly adminPort: number;
  readonly shards: number;
  /** `--connections auto|gateway|shard-owned` (default auto). */
  readonly connections?: ConnectionModeRequest;
  /** Present with `--chaos`: kill a random shard every `intervalMs` on average (seeded by `seed`). */
  readonly chaos?: { readonly intervalMs: number; readonly seed: number };
  /**
   * Params for the shard threads' system module, from `--chaos-rules`, `--chaos-rules-seed` and
   * `--record`; present only when one of them is given (then the chaos system module runs).
   */
  readonly systemParams?: ChaosSystemParams;
  /** From `--telemetry`, `--trace-console` and `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT`; absent = the default (`metrics`). */
  readonly telemetry?: KvTelemetryParams;
  /** `--requirepass`, `--aclfile` and the `--tls-*` flags, as `startServer` options. */
  readonly security?: KvSecurityCli;
  /** Present with `--admission`: per-connection token bucket + global limit (see {@link AdmissionConfig}). */
  readonly admission?: AdmissionConfig;
  /** `--dir DIR [--appendonly yes|no] [--appendfsync always|everysec|no] [--save-interval-ms N]`: persistence. */
  readonly persistence?: KvPersistenceOptions;
}

/**
 * `--telemetry off|metrics|tracing` (default metrics). The standard OTEL_EXPORTER_OTLP_ENDPOINT
 * (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) turns tracing on with OTLP/HTTP export, unless
 * `--telemetry` says otherwise; `--trace-console` prints spans on stdout instead.
 * @throws ShnError `INVALID_ARGUMENT` for a bad mode, or tracing with nowhere to send spans.
 */
function telemetryCli(raw: string | undefined, traceConsole: boolean, env: NodeJS.ProcessEnv): KvTelemetryParams | undefined {
  const url = otlpTracesUrl(env);
  if (raw === undefined && !traceConsole && url === undefined) return undefined;
  const mode = raw === undefined ? 'tracing' : telemetryModeOf(raw);
  if (mode !== 'tracing') {
    if (traceConsole) throw new ShnError('INVALID_ARGUMENT', `--trace-console needs --telemetry tracing, got --telemetry ${mode}`);
    return { telemetry: mode };
  }
  if (!traceConsole && url === undefined) throw new ShnError('INVALID_ARGUMENT', '--telemetry tracing needs OTEL_EXPORTER_OTLP_ENDPOINT or --trace-console');
  return { telemetry: 'tracing', traceExporter: traceConsole ? 'console' : `otlp:${url}` };
}

/**
 * Parses argv (without `node script`) and the environment (`SHN_KV_PORT`, `SHN_KV_ADMIN_PORT`).
 * `--chaos` turns on a gameday (`--chaos-interval-ms`, default 3000; `--chaos-seed`, default 1).
 *
 * @throws ShnError `INVALID_ARGUMENT` for unknown flags or values that are not valid ports / shard counts.
 */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'admin-port': { type: 'string' },
        shards: { type: 'string' },
        chaos: { type: 'boolean' },
        'chaos-interval-ms': { type: 'string' },
        'chaos-seed': { type: 'string' },
        'chaos-rules': { type: 'string' },
        'chaos-rules-seed': { type: 'string' },
        record: { type: 'string' },
        connections: { type: 'string' },
        telemetry: { type: 'string' },
        'trace-console': { type: 'boolean' },
        'trace-ratio': { type: 'string' },
        ...SECURITY_FLAGS,
        ...ADMISSION_FLAGS,
        dir: { type: 'string' },
        appendonly: { type: 'string' },
        appendfsync: { type: 'string' },
        'save-interval-ms': { type: 'string' },
      },
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
  const chaosInterval = values['chaos-interval-ms'] as string | undefined;
  const chaosSeed = values['chaos-seed'] as string | undefined;
  if (values['chaos'] !== true && (chaosInterval !== undefined || chaosSeed !== undefined)) {
    throw new ShnError('INVALID_ARGUMENT', '--chaos-interval-ms and --chaos-seed need --chaos');
  }
  const chaos =
    values['chaos'] === true
      ? { intervalMs: int('--chaos-interval-ms', chaosInterval, 3000, 10, 86_400_000), seed: int('--chaos-seed', chaosSeed, 1, 0, 2 ** 31 - 1) }
      : undefined;
  const rules = values['chaos-rules'] as string | undefined;
  const rulesSeed = values['chaos-rules-seed'] as string | undefined;
  const record = values['record'] as string | undefined;
  if (rules !== undefined) kvChaosRules(rules); // validate now: a bad rule list is a usage error
  if (rulesSeed !== undefined && rules === undefined) throw new ShnError('INVALID_ARGUMENT', '--chaos-rules-seed needs --chaos-rules');
  if (record === '') throw new ShnError('INVALID_ARGUMENT', '--record needs a directory');
  const systemParams: ChaosSystemParams | undefined =
    rules === undefined && record === undefined
      ? undefined
      : {
          ...(rules === undefined ? {} : { rules, seed: int('--chaos-rules-seed', rulesSeed, 1, 0, 2 ** 31 - 1) }),
          ...(record === undefined ? {} : { recordDir: record }),
        };
  const connections = values['connections'] as string | undefined;
  if (connections !== undefined && !['auto', 'gateway', 'shard-owned'].includes(connections)) {
    throw new ShnError('INVALID_ARGUMENT', `--connections must be auto, gateway or shard-owned, got ${JSON.stringify(connections)}`);
  }
  const ratioRaw = values['trace-ratio'] as string | undefined;
  const traceRatio = ratioRaw === undefined ? undefined : Number(ratioRaw);
  if (traceRatio !== undefined && !(ratioRaw !== '' && traceRatio >= 0 && traceRatio <= 1)) {
    throw new ShnError('INVALID_ARGUMENT', `--trace-ratio must be a number in [0, 1], got ${JSON.stringify(ratioRaw)}`);
  }
  const chosen = telemetryCli(values['telemetry'] as string | undefined, values['trace-console'] === true, env);
  if (traceRatio !== undefined && chosen?.telemetry !== 'tracing') throw new ShnError('INVALID_ARGUMENT', '--trace-ratio needs tracing');
  const telemetry = chosen === undefined || traceRatio === undefined ? chosen : { ...chosen, traceRatio };
  const security = parseSecurityFlags(values);
  const admission = parseAdmissionFlags(values);
  const dir = values['dir'] as string | undefined;
  const appendonly = values['appendonly'] as string | undefined;
  const appendfsync = values['appendfsync'] as string | undefined;
  const saveInterval = values['save-interval-ms'] as string | undefined;
  if (dir === '') throw new ShnError('INVALID_ARGUMENT', '--dir needs a directory');
  if (dir === undefined && (appendonly !== undefined || appendfsync !== undefined || saveInterval !== undefined)) {
    throw new ShnError('INVALID_ARGUMENT', '--appendonly, --appendfsync and --save-interval-ms need --dir');
  }
  if (appendonly !== undefined && appendonly !== 'yes' && appendonly !== 'no') throw new ShnError('INVALID_ARGUMENT', `--appendonly must be yes or no, got ${JSON.stringify(appendonly)}`);
  if (appendfsync !== undefined && !['always', 'everysec', 'no'].includes(appendfsync)) {
    throw new ShnError('INVALID_ARGUMENT', `--appendfsync must be always, everysec or no, got ${JSON.stringify(appendfsync)}`);
  }
  const persistence: KvPersistenceOptions | undefined =
    dir === undefined
      ? undefined
      : {
          dir,
          appendonly: appendonly === 'yes',
          ...(appendfsync === undefined ? {} : { appendfsync: appendfsync as 'always' | 'everysec' | 'no' }),
          ...(saveInterval === undefined ? {} : { saveIntervalMs: int('--save-interval-ms', saveInterval, 1000, 0, 86_400_000) }),
        };
  return {
    ...(persistence === undefined ? {} : { persistence }),
    ...(telemetry === undefined ? {} : { telemetry }),
    ...(security === undefined ? {} : { security }),
    ...(chaos === undefined ? {} : { chaos }),
    ...(admission === undefined ? {} : { admission }),
    ...(connections === undefined ? {} : { connections: connections as ConnectionModeRequest }),
    ...(systemParams === undefined ? {} : { systemParams }),
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
    console.error('usage: shn-kv [--port 6380] [--host 127.0.0.1] [--admin-port 9464] [--shards N] [--chaos [--chaos-interval-ms 3000] [--chaos-seed 1]] [--chaos-rules default|JSON [--chaos-rules-seed 1]] [--record DIR] [--connections auto|gateway|shard-owned] [--telemetry off|metrics|tracing] [--trace-console] [--trace-ratio 0..1] ' + SECURITY_USAGE + ' ' + ADMISSION_USAGE + ' [--dir DIR [--appendonly yes|no] [--appendfsync always|everysec|no] [--save-interval-ms 1000]]');
    process.exitCode = 2;
    return;
  }
  const { systemParams, telemetry, security, ...plain } = cli;
  const rest = { ...plain, ...security };
  const server = await startServer(
    systemParams === undefined ? { ...rest, ...(telemetry ? { params: telemetry } : {}) } : { ...rest, systemModule: chaosSystemModule(), params: { ...systemParams, ...telemetry } },
  );
  console.log(`shn-kv listening on ${cli.host}:${server.port} with ${server.runtime.shards} shards`);
  console.log(`connections: ${server.connectionMode.mode} (${server.connectionMode.reason})`);
  console.log(`admin http://${cli.host}:${server.adminPort}/ (livez, readyz, startupz, info, metrics, debug/profile, debug/heap)`);
  if (server.tlsPort !== undefined) console.log(`TLS 1.3 on ${cli.host}:${server.tlsPort} (certificates reload on SIGHUP)`);
  console.log(`telemetry: ${telemetry?.telemetry ?? 'metrics'}${telemetry?.traceExporter ? ` (spans to ${telemetry.traceExporter})` : ''}`);
  console.log(`connect with: redis-cli -p ${server.port}${security?.requirePass !== undefined || security?.aclFile !== undefined ? ' --user <name> --pass <password>' : ''}`);
  if (cli.persistence !== undefined) {
    const p = cli.persistence;
    console.log(`persistence: ${p.dir} (checkpoints every ${p.saveIntervalMs ?? 1000} ms; appendonly ${p.appendonly === true ? `yes, fsync ${p.appendfsync ?? 'everysec'}` : 'no'})`);
  }
  console.log(`admin http://${cli.host}:${server.adminPort}/ (livez, readyz, startupz, info)`);
  console.log(`connect with: redis-cli -p ${server.port}`);
  if (cli.admission !== undefined) console.log(`admission: ${JSON.stringify(cli.admission)}`);
  const chaos =
    cli.chaos === undefined
      ? undefined
      : startChaos(server, { intervalMs: cli.chaos.intervalMs, seed: cli.chaos.seed, log: (line) => console.log(line) });
  if (cli.chaos !== undefined) {
    console.log(
      `chaos: killing a random shard every ~${cli.chaos.intervalMs} ms (seed ${cli.chaos.seed}); ` +
        (systemParams?.rules !== undefined ? `message rules from --chaos-rules ${String(systemParams.rules)}` : 'add --chaos-rules default for latency/drop rules too'),
    );
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`shn-kv: ${signal}, shutting down`);
    const chaosDone =
      chaos === undefined
        ? Promise.resolve()
        : chaos.stop().then((r) => {
            const recovered = r.kills.filter((k) => k.recoveredAfterMs !== undefined).length;
            console.log(`chaos: ${r.kills.length} kills, ${recovered} recovered, ${r.survived ? 'survived' : 'DID NOT SURVIVE'} | ${formatWorkload(r.workload)}`);
          });
    chaosDone.then(() => server.close()).then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('shn-kv: shutdown failed', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  if (server.tlsPort !== undefined) {
    process.on('SIGHUP', () => {
      server.reloadTls().then(
        (c) => console.log(`shn-kv: SIGHUP, TLS certificate reloaded (${c.subject}, valid to ${new Date(c.validTo).toISOString()})`),
        (err: unknown) => console.error(`shn-kv: SIGHUP, TLS reload failed, old certificates kept: ${(err as Error).message}`),
      );
    });
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  runCli().catch((err: unknown) => {
    console.error(`shn-kv: ${(err as Error).message}`);
    process.exitCode = 1;
  });
}
