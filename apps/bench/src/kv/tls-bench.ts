import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ResultBuilder } from '../harness/result-builder.js';
import { repeatMeasurement } from '../harness/measure.js';
import { runCommand } from './child-process-run.js';
import { findFreePort } from './free-port.js';
import { parseRedisBenchmarkCsv } from './redis-benchmark-csv.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

/** Server certificate files for the TLS row, made with the openssl CLI (P-256 CA and server). */
interface BenchPki {
  readonly dir: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

async function makePki(): Promise<BenchPki> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shn-bench-tls-'));
  const o = (args: string[]) => runCommand('openssl', args, 30_000);
  const f = (n: string) => path.join(dir, n);
  await o(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-subj', '/CN=bench-ca', '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await o(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost']);
  writeFileSync(f('server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  await o(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.crt'), '-days', '2', '-extfile', f('server.ext')]);
  return { dir, ca: f('ca.crt'), cert: f('server.crt'), key: f('server.key') };
}

const TLS_CELLS = [
  { pipeline: 1, size: 3 },
  { pipeline: 16, size: 3 },
] as const;
const TLS_TESTS = ['SET', 'GET'] as const;

/**
 * The TLS row of the kv bench: redis-server with `--tls-port` against shn-kv with `--tls-port`
 * (TLS 1.3, server certificate only: `tls-auth-clients no` on both), both driven by
 * `redis-benchmark --tls` with SET/GET, `-c 50 -r 100000`, 3-byte values, with and without
 * `-P 16`, on this Node only (shn-kv's TLS port is served by its main thread in both modes).
 * Adds figures `tls.<server>.P<n>.d3.<TEST>` and ratios `tls.shn-kv/redis.…`; skips (with the
 * reason) when openssl is missing or a server cannot start with TLS.
 */
export async function runKvTlsRow(o: {
  readonly result: ResultBuilder;
  readonly shnKvMain: string;
  readonly node: string;
  readonly repeats: number;
  readonly requests: (pipeline: number) => number;
  readonly clients: number;
  readonly keyspace: number;
  readonly timeoutMs: number;
  readonly log: (line: string) => void;
  /** Bound ports are recorded here as `tls.<server>` and `tls.<server>.plain` (the bench config). */
  readonly ports?: Record<string, number>;
}): Promise<void> {
  let pki: BenchPki;
  try {
    pki = await makePki();
  } catch (e) {
    o.result.skip('tls', `cannot make certificates with openssl (apt-get install -y openssl): ${(e as Error).message}`);
    return;
  }
  const servers: { s: ServerProcess; tlsPort: number }[] = [];
  try {
    const start = async (name: string, command: string, args: (port: number, tlsPort: number) => string[]) => {
      const port = await findFreePort();
      const tlsPort = await findFreePort();
      if (o.ports !== undefined) {
        o.ports[`tls.${name}`] = tlsPort;
        o.ports[`tls.${name}.plain`] = port;
      }
      try {
        servers.push({ s: await startServerProcess(name, command, args(port, tlsPort), port), tlsPort });
      } catch (e) {
        o.result.skip(`tls.${name}`, `could not start with TLS: ${(e as Error).message}`);
      }
    };
    await start('redis', 'redis-server', (p, t) => ['--port', String(p), '--tls-port', String(t), '--tls-cert-file', pki.cert, '--tls-key-file', pki.key, '--tls-ca-cert-file', pki.ca, '--tls-auth-clients', 'no', '--tls-protocols', 'TLSv1.3', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no']);
    await start('shn-kv', o.node, (p, t) => [o.shnKvMain, '--port', String(p), '--admin-port', '0', '--tls-port', String(t), '--tls-cert', pki.cert, '--tls-key', pki.key, '--tls-auth-clients', 'no']);
    for (const c of TLS_CELLS) {
      for (const { s, tlsPort } of servers) {
        const n = o.requests(c.pipeline);
        o.log(`kv: tls ${s.name} SET/GET, -P ${c.pipeline}...`);
        const args = ['--tls', '--cacert', pki.ca, '--sni', 'localhost', '-h', '127.0.0.1', '-p', String(tlsPort), '-t', TLS_TESTS.join(',').toLowerCase(), '-c', String(o.clients), '-n', String(n), '-d', String(c.size), '-r', String(o.keyspace), '--csv'];
        if (c.pipeline > 1) args.push('-P', String(c.pipeline));
        try {
          const got = await repeatMeasurement({ warmups: 0, repeats: o.repeats }, async () => {
            const { stdout, stderr } = await runCommand('redis-benchmark', args, o.timeoutMs);
            const errors = `${stdout}\n${stderr}`.split('\n').filter((l) => /error|\bERR\b/i.test(l));
            if (errors.length > 0) o.result.note(`tls error reply: ${s.name} P${c.pipeline}: ${errors[0]!.slice(0, 200)}`);
            return new Map(parseRedisBenchmarkCsv(stdout).map((r) => [r.test.split(' ')[0]!, r.rps]));
          });
          for (const t of TLS_TESTS) {
            const samples = got.map((m) => m.get(t)).filter((v): v is number => v !== undefined);
            const label = `${t} over TLS 1.3, ${c.pipeline > 1 ? `-P ${c.pipeline}` : 'no pipelining'}, ${c.size} B`;
            if (samples.length > 0) o.result.addFigure(`tls.${s.name}.P${c.pipeline}.d${c.size}.${t}`, `${s.name} TLS`, label, 'req/s', samples, `-c ${o.clients} -n ${n}`);
          }
        } catch (e) {
          o.result.skip(`tls.${s.name}.P${c.pipeline}`, `redis-benchmark --tls failed: ${(e as Error).message}`);
        }
      }
      for (const t of TLS_TESTS) {
        const id = (name: string) => `tls.${name}.P${c.pipeline}.d${c.size}.${t}`;
        o.result.addRatio(`tls.shn-kv/redis.P${c.pipeline}.d${c.size}.${t}`, `TLS: shn-kv ÷ redis-server, ${t}, ${c.pipeline > 1 ? `-P ${c.pipeline}` : 'no pipelining'}, ${c.size} B`, id('shn-kv'), id('redis'));
      }
    }
  } finally {
    for (const { s } of servers) await s.stop();
    rmSync(pki.dir, { recursive: true, force: true });
  }
}
