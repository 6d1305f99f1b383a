import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ShnError, builtModuleUrl } from '@shn/core';

/** Options of {@link startLocalCluster}. */
export interface LocalClusterOptions {
  /** Number of nodes; default 3. */
  readonly nodes?: number;
  /** Parent data directory; node `nI` uses `dir/nI`. */
  readonly dir: string;
  readonly fsync?: 'always' | 'never';
  /**
   * Per node: a command prefix and the host it listens on (e.g. `['ip', 'netns', 'exec', 'ns1']`
   * and `10.77.0.1`, to run it in a network namespace). Default: loopback, no prefix.
   */
  readonly placement?: (index: number) => { prefix: readonly string[]; host: string };
  /** A fixed port for every node (with `placement` hosts); default a free loopback port each. */
  readonly port?: number;
}

/** A running cluster of node processes. */
export interface LocalCluster {
  readonly addrs: readonly string[];
  readonly ids: readonly string[];
  /** Kills node `i` with `signal` (default SIGKILL) and resolves once it has exited. */
  kill(i: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts node `i` again on the same data directory. */
  restart(i: number): Promise<void>;
  /** Stops every node. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

/**
 * Starts `nodes` `shn-raft node` processes, each on its own port and data directory, and resolves
 * once every one listens. Used by the CLI's `cluster` command, the real-process tests and the bench.
 * @throws ShnError `RUNTIME_FAILED` if a node exits before it is ready.
 */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const n = options.nodes ?? 3;
  const place = options.placement ?? (() => ({ prefix: [], host: '127.0.0.1' }));
  const ports = options.port !== undefined ? Array.from({ length: n }, () => options.port as number) : await Promise.all(Array.from({ length: n }, freePort));
  const ids = ports.map((_, i) => `n${i + 1}`);
  const addrs = ports.map((p, i) => `${place(i).host}:${p}`);
  const peers = ids.map((id, i) => `${id}=${addrs[i]}`).join(',');
  const cli = fileURLToPath(builtModuleUrl(import.meta.url, '../cli.js'));
  const procs: (ChildProcess | undefined)[] = [];
  const launch = (i: number): Promise<void> => {
    const { prefix } = place(i);
    const argv = [process.execPath, cli, 'node', '--id', ids[i] as string, '--peers', peers, '--dir', join(options.dir, ids[i] as string), '--fsync', options.fsync ?? 'always'];
    const all = [...prefix, ...argv];
    const p = spawn(all[0] as string, all.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    procs[i] = p;
    return new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new ShnError('RUNTIME_FAILED', `raft node ${ids[i]} exited with ${String(code)} before it was ready`));
      p.once('exit', onExit);
      p.stdout?.on('data', (d: Buffer) => {
        if (d.toString().includes('ready ')) {
          p.off('exit', onExit);
          resolve();
        }
      });
    });
  };
  await Promise.all(ids.map((_, i) => launch(i)));
  const kill = async (i: number, signal: NodeJS.Signals = 'SIGKILL') => {
    const p = procs[i];
    if (p === undefined || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await exited;
    procs[i] = undefined;
  };
  return {
    addrs,
    ids,
    kill,
    restart: (i) => launch(i),
    stop: async () => {
      await Promise.all(ids.map((_, i) => kill(i, 'SIGKILL')));
    },
  };
}
