import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { ShnError, systemClock, systemTimer } from '@shn/core';
import { dieWithBench } from '../harness/die-with-bench.js';

/** A server the bench started as a child process. */
export interface ServerProcess {
  /** Display name (`redis`, `shn-kv`). */
  readonly name: string;
  readonly port: number;
  /** SIGTERM, then SIGKILL after 5 s; resolves when the process has exited. Idempotent. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => systemTimer.setTimeout(resolve, ms));

/** Resolves true if a RESP `PING` on `port` gets `+PONG` within 1 s. Never rejects. */
export function pingOnce(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    let buffer = '';
    const done = (ok: boolean) => {
      systemTimer.clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = systemTimer.setTimeout(() => done(false), 1_000);
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.setEncoding('utf8').on('data', (d: string) => {
      buffer += d;
      if (buffer.includes('\r\n')) done(buffer.startsWith('+PONG'));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = systemTimer.setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  systemTimer.clearTimeout(timer);
}

/**
 * Spawns `command args` (a server that will listen on `port`), and resolves once it answers
 * PING. The server dies with the bench process if that ends first. Rejects with ShnError
 * TIMEOUT (after stopping it) if it does not within `timeoutMs`, or INTERNAL if it exits first
 * (with the end of its output).
 */
export async function startServerProcess(name: string, command: string, args: readonly string[], port: number, timeoutMs = 15_000): Promise<ServerProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  dieWithBench(child);
  let output = '';
  const keep = (d: string) => {
    output = (output + d).slice(-2_000);
  };
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  const server: ServerProcess = { name, port, stop: () => stopChild(child) };
  const deadline = systemClock.monotonic() + timeoutMs;
  for (;;) {
    if (spawnError !== undefined) throw new ShnError('INTERNAL', `cannot start ${name} (${command}): ${spawnError.message}`, { cause: spawnError });
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new ShnError('INTERNAL', `${name} exited (${child.exitCode ?? child.signalCode}) before answering PING: ${output}`);
    }
    if (await pingOnce(port)) return server;
    if (systemClock.monotonic() > deadline) {
      await server.stop();
      throw new ShnError('TIMEOUT', `${name} did not answer PING on port ${port} within ${timeoutMs} ms: ${output}`);
    }
    await sleep(50);
  }
}
