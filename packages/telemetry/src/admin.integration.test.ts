import { spawnSync } from 'node:child_process';
import { createRuntime } from '@shn/core-mailbox';
import type { Runtime } from '@shn/core-mailbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheus, sampleValue, startAdminServer } from './admin-server.test-helper.js';
import type { AdminServer } from './admin-server.test-helper.js';
import { registerRuntimeMetrics } from './runtime-metrics.js';
import { telemetryRuntimeOf } from './telemetry-runtime-of.js';
import type { Telemetry } from './telemetry.js';

const system = new URL('../dist/fixtures/telemetry-system.js', import.meta.url);

function keysOn(rt: Runtime, kind: string, shard: number, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (rt.shardOf(kind, `key${i}`) === shard) out.push(`key${i}`);
  return out;
}

describe('the admin endpoints on a real 2-shard runtime', () => {
  let rt: Runtime;
  let admin: AdminServer;
  let unsubscribe: () => void;

  beforeAll(async () => {
    rt = await createRuntime({ system, shards: 2 });
    const handle = telemetryRuntimeOf(rt);
    // The main thread's own telemetry instance (the one createRuntime imported), plus runtime gauges.
    const mainTelemetry = (globalThis as Record<symbol, unknown>)[Symbol.for('@shn/telemetry/fixture')] as Telemetry;
    unsubscribe = registerRuntimeMetrics(mainTelemetry.registry, handle);
    admin = await startAdminServer({ runtime: handle, registry: mainTelemetry.registry, scrapeTimeoutMs: 400, pingTimeoutMs: 200 });
  });

  afterAll(async () => {
    unsubscribe?.();
    await admin?.close();
    await rt?.close();
  });

  it('counts a known workload exactly: sent, received, failed, histogram counts, per shard', async () => {
    const on0 = keysOn(rt, 'kv', 0, 6);
    const on1 = keysOn(rt, 'kv', 1, 4);
    for (const k of [...on0, ...on1]) expect(rt.tell('kv', k, 'set', k)).toBe('accepted');
    // FIFO per sender and actor: each get arrives after that key's set.
    await Promise.all([...on0, ...on1].map((k) => rt.ask('kv', k, 'get')));
    const worker1 = rt.refOnShard(1, 'worker', 'w');
    for (let i = 0; i < 3; i++) await expect(worker1.ask('fail')).rejects.toMatchObject({ code: 'ACTOR_FAILED' });

    const page = await admin.get('/metrics');
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = parsePrometheus(page.text);
    expect(sampleValue(m, 'shn_messages_received_total', { shard: '0', kind: 'kv' })).toBe(12);
    expect(sampleValue(m, 'shn_messages_received_total', { shard: '1', kind: 'kv' })).toBe(8);
    // The default timeEvery (16) times the 1st, 17th, 33rd, … message of a kind on a thread: ceil(received / 16).
    expect(sampleValue(m, 'shn_message_processing_seconds_count', { shard: '0', kind: 'kv' })).toBe(1);
    expect(sampleValue(m, 'shn_message_processing_seconds_count', { shard: '1', kind: 'kv' })).toBe(1);
    expect(sampleValue(m, 'shn_message_processing_seconds_bucket', { shard: '1', kind: 'kv', le: '+Inf' })).toBe(1);
    expect(sampleValue(m, 'shn_message_processing_seconds_count', { shard: '1', kind: 'worker' })).toBe(1);
    expect(sampleValue(m, 'shn_messages_received_total', { shard: '1', kind: 'worker' })).toBe(3);
    expect(sampleValue(m, 'shn_messages_failed_total', { shard: '1', kind: 'worker', code: 'INVALID_ARGUMENT' })).toBe(3);
    expect(sampleValue(m, 'shn_messages_sent_total', { shard: 'main', kind: 'kv', operation: 'tell' })).toBe(10);
    expect(sampleValue(m, 'shn_messages_sent_total', { shard: 'main', kind: 'kv', operation: 'ask' })).toBe(10);
    expect(sampleValue(m, 'shn_messages_sent_total', { shard: 'main', kind: 'worker', operation: 'ask' })).toBe(3);
    expect(sampleValue(m, 'shn_ask_duration_seconds_count', { shard: 'main', kind: 'kv' })).toBe(10);
    expect(sampleValue(m, 'shn_ask_duration_seconds_count', { shard: 'main', kind: 'worker' })).toBe(3);
    expect(sampleValue(m, 'shn_ask_timeouts_total', { shard: 'main', kind: 'kv' })).toBe(0);
    expect(sampleValue(m, 'shn_telemetry_shard_scrape_up', { shard: '0' })).toBe(1);
    expect(sampleValue(m, 'shn_telemetry_shard_scrape_up', { shard: '1' })).toBe(1);
    expect(sampleValue(m, 'shn_shard_up', { shard: '1' })).toBe(1);
    expect(sampleValue(m, 'shn_runtime_ready')).toBe(1);
    // Scrapes do not count themselves.
    expect(m.some((s) => s.labels['kind'] === 'shn.telemetry')).toBe(false);
    const again = parsePrometheus((await admin.get('/metrics')).text);
    expect(sampleValue(again, 'shn_messages_received_total', { shard: '0', kind: 'kv' })).toBe(12);
  });

  it('passes promtool check metrics on a live scrape', async (ctx) => {
    const has = spawnSync('promtool', ['--version']).status === 0;
    if (!has) {
      if (process.env['CI']) throw new Error('promtool is missing: apt-get install -y prometheus (CI must have it)');
      ctx.skip('promtool not installed (apt-get install -y prometheus); skipped outside CI');
    }
    const page = await admin.get('/metrics');
    const r = spawnSync('promtool', ['check', 'metrics'], { input: page.text, encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  });

  it('answers bad input with 400 and a JSON error, unknown paths 404, other methods 405', async () => {
    const bad = ['/debug/profile?shard=7', '/debug/profile?shard=-1', '/debug/profile?shard=01', '/debug/profile?seconds=abc', '/debug/profile?seconds=0',
      '/debug/profile?seconds=100000', '/debug/profile?shard=1&shard=1', '/debug/profile?bogus=1', '/debug/heap?shard=x', '/readyz?verbose=maybe', '/metrics?%zz', '/livez?a=%E0%A4%A'];
    for (const path of bad) {
      const r = await admin.get(path);
      expect(r.status, path).toBe(400);
      expect(r.type, path).toMatch(/^application\/json/);
      expect(JSON.parse(r.text).error.code, path).toBe('INVALID_ARGUMENT');
    }
    const missing = await admin.get('/nope');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text).error.message).toMatch(/no such endpoint/);
    const post = await admin.get('/metrics', { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('readiness fails while a killed shard restarts, the scrape still answers, and both recover', async () => {
    expect((await admin.get('/readyz')).status).toBe(200);
    expect((await admin.get('/startupz')).status).toBe(200);
    await rt.killShard(1);
    const down = await admin.get('/readyz?verbose');
    expect(down.status).toBe(503);
    const detail = JSON.parse(down.text) as { shards: Array<{ shard: number; ok: boolean; state: string }> };
    expect(detail.shards.find((s) => s.shard === 1)).toMatchObject({ ok: false });
    expect(detail.shards.find((s) => s.shard === 0)).toMatchObject({ ok: true, state: 'up' });
    const page = await admin.get('/metrics');
    expect(page.status).toBe(200);
    const m = parsePrometheus(page.text);
    expect(sampleValue(m, 'shn_telemetry_shard_scrape_up', { shard: '1' })).toBe(0);
    expect(sampleValue(m, 'shn_telemetry_shard_scrape_up', { shard: '0' })).toBe(1);
    expect(sampleValue(m, 'shn_messages_received_total', { shard: '0', kind: 'kv' })).toBe(12);
    expect((await admin.get('/livez')).status).toBe(200);
    expect((await admin.get('/startupz')).status).toBe(200);
    await rt.whenReady();
    expect((await admin.get('/readyz')).status).toBe(200);
    const after = parsePrometheus((await admin.get('/metrics')).text);
    expect(sampleValue(after, 'shn_telemetry_shard_scrape_up', { shard: '1' })).toBe(1);
    expect(sampleValue(after, 'shn_shard_restarts_total', { shard: '1' })).toBe(1);
    expect(sampleValue(after, 'shn_shard_crashes_total', { shard: '1' })).toBe(1);
  });

  it('a stuck shard fails readiness quickly instead of hanging the probe', async () => {
    const worker0 = rt.refOnShard(0, 'worker', 'w');
    expect(worker0.tell('spin', 2500)).toBe('accepted');
    const t0 = performance.now();
    const r = await admin.get('/readyz?verbose=1');
    const took = performance.now() - t0;
    expect(r.status).toBe(503);
    expect(took).toBeLessThan(1000);
    const detail = JSON.parse(r.text) as { shards: Array<{ shard: number; ok: boolean; error?: string }> };
    expect(detail.shards[0]).toMatchObject({ ok: false });
    expect(detail.shards[0]?.error).toMatch(/no answer within 200 ms/);
    expect((await admin.get('/livez')).status).toBe(200);
    const m = parsePrometheus((await admin.get('/metrics')).text);
    expect(sampleValue(m, 'shn_telemetry_shard_scrape_up', { shard: '0' })).toBe(0);
    expect(sampleValue(m, 'shn_telemetry_shard_scrape_up', { shard: '1' })).toBe(1);
    await worker0.ask('headers', null, { timeoutMs: 10_000 }); // queued behind the spin
    expect((await admin.get('/readyz')).status).toBe(200);
  });

  it('records a CPU profile of a busy shard that names the busy function', async () => {
    const worker1 = rt.refOnShard(1, 'worker', 'w');
    const burning = worker1.ask('burn', 2500, { timeoutMs: 20_000 });
    const r = await admin.get('/debug/profile?shard=1&seconds=1');
    expect(r.status).toBe(200);
    type Node = { id: number; callFrame: { functionName: string }; hitCount?: number; children?: number[] };
    const profile = JSON.parse(r.text) as { nodes: Node[]; samples: number[] };
    expect(profile.samples.length).toBeGreaterThan(0);
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const subtreeHits = (n: Node): number => (n.hitCount ?? 0) + (n.children ?? []).reduce((a, c) => a + subtreeHits(byId.get(c) as Node), 0);
    const busy = profile.nodes.filter((n) => n.callFrame.functionName === 'burnCpu');
    expect(busy.length).toBeGreaterThan(0);
    // Samples inside burnCpu or what it calls (performance.now): the busy function dominates the profile.
    const hits = busy.reduce((a, n) => a + subtreeHits(n), 0);
    expect(hits).toBeGreaterThan(profile.samples.length / 4);
    expect(await burning).toBe('burnt');
  });

  it('records a main-thread profile and heap snapshots of a shard and of the main thread', async () => {
    const main = await admin.get('/debug/profile?shard=main&seconds=0.2');
    expect(main.status).toBe(200);
    expect(Array.isArray((JSON.parse(main.text) as { nodes: unknown[] }).nodes)).toBe(true);
    for (const shard of ['0', 'main']) {
      const heap = await admin.get(`/debug/heap?shard=${shard}`);
      expect(heap.status).toBe(200);
      const snap = JSON.parse(heap.text) as { snapshot: { meta: { node_fields: string[] }; node_count: number } };
      expect(snap.snapshot.meta.node_fields).toContain('name');
      expect(snap.snapshot.node_count).toBeGreaterThan(1000);
    }
  });
});
