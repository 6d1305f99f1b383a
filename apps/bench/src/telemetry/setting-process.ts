/**
 * One telemetry setting of the bench in a process of its own: a one-shard runtime of the bench
 * system, measured on request. An application runs one telemetry configuration per process, so
 * each setting gets its own isolate: the main thread's JIT then sees only that setting's
 * middleware, as it would in the application, rather than the hooks of six runtimes through the
 * same call sites.
 *
 * Run as a child (`fork`) with the setting as its argument; the parent drives it with
 * {@link SettingProcess}. Requests and replies are IPC messages, one request at a time.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ShnError, systemTimer, toShnError } from '@shn/core';
import { createRuntime } from '@shn/core-mailbox';
import type { Runtime } from '@shn/core-mailbox';
import { measureLatencies, measureRate } from '../harness/measure.js';
import type { LatencyPercentiles, MeasureSpan } from '../harness/measure.js';
import { TELEMETRY_SETTINGS } from './telemetry-bench-system.js';
import type { TelemetrySetting } from './telemetry-bench-system.js';
import { yieldBriefly } from '../harness/yield.js';

/** What the parent asks of a setting process. */
export type SettingRequest =
  | { readonly op: 'tell'; readonly span: MeasureSpan }
  | { readonly op: 'ask'; readonly roundTrips: number }
  | { readonly op: 'close' };

type SettingReply =
  | { readonly type: 'ready' }
  | { readonly type: 'tell'; readonly rate: number }
  | { readonly type: 'ask'; readonly latencies: LatencyPercentiles }
  | { readonly type: 'closed' }
  | { readonly type: 'error'; readonly code: string; readonly message: string };

const KEYS = Array.from({ length: 4096 }, (_, i) => `k:${String(i).padStart(14, '0')}`);

/**
 * Tells to the shard's sink from `from` on, up to `n` or until one is refused; returns where it
 * stopped. A plain synchronous function, called many times: V8 optimizes it whole. (A loop inside
 * the async batch was compiled on-stack and thrown away at every batch's end, which ran part of
 * each batch unoptimized, by a different amount per setting.)
 * @throws ShnError `RUNTIME_CLOSED` if the runtime closed.
 */
function tellRun(rt: Runtime, from: number, n: number): number {
  let i = from;
  for (; i < n; i++) {
    const key = KEYS[i & (KEYS.length - 1)] as string;
    const r = rt.tell('sink', key, 'set', key);
    if (r === 'accepted') continue;
    if (r === 'closed') throw new ShnError('RUNTIME_CLOSED', 'runtime closed during the bench');
    break;
  }
  return i;
}

/** `n` tells through the public `tell` to the shard's sink (yielding while its mailbox is full), checked by the sink's count. */
async function tellBatch(rt: Runtime, n: number): Promise<void> {
  const sink = rt.refOnShard(0, 'sink', 's');
  const before = await sink.ask<number>('count', null, { timeoutMs: 30_000 });
  for (let i = tellRun(rt, 0, n); i < n; i = tellRun(rt, i, n)) await yieldBriefly();
  const after = await sink.ask<number>('count', null, { timeoutMs: 30_000 });
  if (after - before !== n) throw new ShnError('PROTOCOL_ERROR', `sink counted ${after - before} of ${n} tells`);
}

/** One measurement in this process: tell throughput (msg/s) or ask round-trip percentiles. */
async function measureSetting(rt: Runtime, request: Exclude<SettingRequest, { op: 'close' }>): Promise<SettingReply> {
  if (request.op === 'tell') return { type: 'tell', rate: await measureRate(request.span, (n) => tellBatch(rt, n)) };
  const latencies = await measureLatencies(request.roundTrips, async () => void (await rt.ask('sink', 'k', 'count', null, { timeoutMs: 30_000 })));
  return { type: 'ask', latencies };
}

const systemUrl = new URL('./telemetry-bench-system.js', import.meta.url);

/** The child's side: builds the runtime, then answers requests until `close`. */
async function serveSetting(setting: TelemetrySetting): Promise<void> {
  const send = (reply: SettingReply): void => void process.send?.(reply);
  let rt: Runtime;
  try {
    rt = await createRuntime({ system: systemUrl, shards: 1, params: setting });
  } catch (e) {
    const err = toShnError(e);
    send({ type: 'error', code: err.code, message: err.message });
    process.disconnect?.();
    return;
  }
  send({ type: 'ready' });
  // A parent that dies (or a bench that fails) closes the channel: close the runtime and end, never linger.
  process.once('disconnect', () => void rt.close().finally(() => process.exit(0)));
  process.on('message', (request: SettingRequest) => {
    if (request.op === 'close') {
      void rt.close().finally(() => {
        // Exit once the reply is written (or could not be: the parent is gone).
        if (process.send === undefined || !process.connected) process.exit(0);
        else process.send({ type: 'closed' } satisfies SettingReply, () => process.exit(0));
      });
      return;
    }
    measureSetting(rt, request).then(send, (e: unknown) => {
      const err = toShnError(e);
      send({ type: 'error', code: err.code, message: err.message });
    });
  });
}

/** The parent's handle on one setting process. */
export class SettingProcess {
  readonly setting: TelemetrySetting;
  readonly #child: ChildProcess;
  #waiting: { resolve: (r: SettingReply) => void; reject: (e: ShnError) => void } | undefined;
  #exited: ShnError | undefined;
  #stderr = '';

  private constructor(setting: TelemetrySetting, child: ChildProcess) {
    this.setting = setting;
    this.#child = child;
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.#stderr = (this.#stderr + d).slice(-2_000)));
    child.on('message', (reply: SettingReply) => {
      const w = this.#waiting;
      this.#waiting = undefined;
      if (w === undefined) return;
      if (reply.type === 'error') w.reject(new ShnError('INTERNAL', `telemetry bench setting ${setting}: ${reply.code}: ${reply.message}`));
      else w.resolve(reply);
    });
    child.once('exit', (code, signal) => this.#gone(new ShnError('RUNTIME_FAILED', `telemetry bench setting ${setting} exited (${String(code ?? signal)}): ${this.#stderr}`)));
    child.once('error', (e) => this.#gone(new ShnError('RUNTIME_FAILED', `telemetry bench setting ${setting}: ${e.message}`, { cause: e })));
  }

  /** The child is gone: the request in flight, and every later one, fails with `err`. */
  #gone(err: ShnError): void {
    this.#exited ??= err;
    this.#waiting?.reject(err);
    this.#waiting = undefined;
  }

  /** Forks this module for `setting` and resolves once its runtime is up. */
  static async start(setting: TelemetrySetting, timeoutMs = 60_000): Promise<SettingProcess> {
    const child = fork(fileURLToPath(import.meta.url), [setting], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const p = new SettingProcess(setting, child);
    try {
      await p.#next(timeoutMs, 'start');
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    }
    return p;
  }

  #next(timeoutMs: number, what: string): Promise<SettingReply> {
    if (this.#exited !== undefined) return Promise.reject(this.#exited);
    if (this.#waiting !== undefined) return Promise.reject(new ShnError('INTERNAL', `telemetry bench setting ${this.setting}: a request is already in flight`));
    return new Promise<SettingReply>((resolve, reject) => {
      const timer = systemTimer.setTimeout(() => {
        this.#waiting = undefined;
        this.#child.kill('SIGKILL');
        reject(new ShnError('TIMEOUT', `telemetry bench setting ${this.setting}: no answer to ${what} within ${timeoutMs} ms: ${this.#stderr}`));
      }, timeoutMs);
      this.#waiting = {
        resolve: (r) => {
          systemTimer.clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          systemTimer.clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  #request(request: SettingRequest, timeoutMs: number): Promise<SettingReply> {
    const reply = this.#next(timeoutMs, request.op);
    this.#child.send(request);
    return reply;
  }

  /** Tell throughput (msg/s) over `span`. */
  async tell(span: MeasureSpan): Promise<number> {
    const r = await this.#request({ op: 'tell', span }, 300_000);
    if (r.type !== 'tell') throw new ShnError('PROTOCOL_ERROR', `telemetry bench setting ${this.setting}: expected a tell result, got ${r.type}`);
    return r.rate;
  }

  /** Ask round-trip percentiles over `roundTrips` sequential asks. */
  async ask(roundTrips: number): Promise<LatencyPercentiles> {
    const r = await this.#request({ op: 'ask', roundTrips }, 300_000);
    if (r.type !== 'ask') throw new ShnError('PROTOCOL_ERROR', `telemetry bench setting ${this.setting}: expected an ask result, got ${r.type}`);
    return r.latencies;
  }

  /** Closes the runtime and ends the process (killing it if it does not answer within 15 s). Idempotent. */
  async close(): Promise<void> {
    if (this.#exited !== undefined) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    try {
      await this.#request({ op: 'close' }, 15_000);
    } catch {
      this.#child.kill('SIGKILL');
    }
    await exited;
  }
}

// Run as the child: the setting is the first argument.
if (process.send !== undefined && process.argv[1] === fileURLToPath(import.meta.url)) {
  const setting = process.argv[2] as TelemetrySetting;
  if (!TELEMETRY_SETTINGS.includes(setting)) {
    process.send({ type: 'error', code: 'INVALID_ARGUMENT', message: `setting must be one of ${TELEMETRY_SETTINGS.join('|')}, got ${String(setting)}` });
    process.disconnect();
  } else void serveSetting(setting);
}
