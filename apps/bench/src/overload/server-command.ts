import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { ShnError, systemClock, systemTimer } from '@shn/core';
import { pingOnce } from '../kv/server-process.js';
import { dieWithBench } from '../harness/die-with-bench.js';

/** A RESP server the overload bench started, with its pid (for RSS). */
export interface RunningServer {
  readonly pid: number;
  readonly port: number;
  /** The end of its output (for skip messages). */
  output(): string;
  /** True while the process runs. */
  alive(): boolean;
  stop(): Promise<void>;
}

/**
 * Splits a command template (`node dist/main.js --port {port} ...`) on spaces and fills in
 * `{port}`. No shell: arguments cannot contain spaces.
 */
export function fillCommand(template: string, port: number): { command: string; args: string[] } {
  const parts = template.trim().split(/\s+/).map((p) => p.replaceAll('{port}', String(port)));
  const [command, ...args] = parts;
  if (command === undefined || command === '') throw new ShnError('INVALID_ARGUMENT', 'empty server command');
  return { command, args };
}

/**
 * Starts `command args` and waits until it answers PING on `port`. Rejects with `INTERNAL`
 * (carrying its output) if it exits first, `TIMEOUT` if it does not answer in time.
 */
export async function startServer(command: string, args: readonly string[], port: number, timeoutMs = 20_000): Promise<RunningServer> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  dieWithBench(child);
  let output = '';
  const keep = (d: string) => void (output = (output + d).slice(-4_000));
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (!alive()) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const t = systemTimer.setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    systemTimer.clearTimeout(t);
  };
  const deadline = systemClock.monotonic() + timeoutMs;
  for (;;) {
    if (spawnError !== undefined) throw new ShnError('INTERNAL', `cannot start ${command}: ${spawnError.message}`);
    if (!alive()) throw new ShnError('INTERNAL', `server exited (${String(child.exitCode ?? child.signalCode)}) before answering PING: ${output.trim()}`);
    if (await pingOnce(port)) return { pid: child.pid as number, port, output: () => output, alive, stop };
    if (systemClock.monotonic() > deadline) {
      await stop();
      throw new ShnError('TIMEOUT', `server did not answer PING on port ${port} within ${timeoutMs} ms: ${output.trim()}`);
    }
    await new Promise<void>((r) => systemTimer.setTimeout(r, 50));
  }
}
