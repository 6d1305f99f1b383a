import { execFile } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDebianTool } from '../server/debian-tool.test-helper.js';
import { startServer, type RunningServer } from '../server/start-server.js';
import { keyOn } from './otlp-receiver.test-helper.js';

async function get(server: RunningServer, path: string): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(`http://127.0.0.1:${server.adminPort}${path}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

/** The value of one sample line `name{labels} value` of a Prometheus page, or undefined. */
function sample(page: string, series: string): number | undefined {
  const line = page.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('shn-kv admin port with @shn/telemetry (default --telemetry metrics)', () => {
  let server: RunningServer;
  let redis: Redis;

  beforeAll(async () => {
    server = await startServer({ port: 0, adminPort: 0, shards: 2 });
    redis = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await redis.connect();
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.close();
  });

  it('/metrics merges both shards and the main thread, with exact shn_kv_* command counts', async () => {
    const a = keyOn(0, 2);
    const b = keyOn(1, 2);
    expect(await redis.mset(a, '1', b, '2')).toBe('OK');
    for (let i = 0; i < 3; i++) expect(await redis.get(a)).toBe('1');
    await expect(redis.incr(a + 'x')).resolves.toBe(1);
    await redis.set('s', 'text');
    await expect(redis.incr('s')).rejects.toThrow(/not an integer/);
    const m = await get(server, '/metrics');
    expect(m.status).toBe(200);
    expect(m.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const served = server.connectionMode.mode === 'gateway' ? 'main' : undefined;
    if (served !== undefined) {
      expect(sample(m.text, `shn_kv_commands_total{shard="main",command="mset"}`)).toBe(1);
      expect(sample(m.text, `shn_kv_commands_total{shard="main",command="get"}`)).toBe(3);
      expect(sample(m.text, `shn_kv_commands_total{shard="main",command="incr"}`)).toBe(2);
      expect(sample(m.text, `shn_kv_command_errors_total{shard="main",command="incr"}`)).toBe(1);
      expect(sample(m.text, `shn_kv_command_duration_seconds_count{shard="main",command="get"}`)).toBe(3);
    } else {
      // shard-owned: the connection's shard counts; summed over shards the totals are the same.
      const total = (cmd: string): number => [0, 1].reduce((n, s) => n + (sample(m.text, `shn_kv_commands_total{shard="${s}",command="${cmd}"}`) ?? 0), 0);
      expect(total('get')).toBe(3);
      expect(total('mset')).toBe(1);
    }
    for (const s of ['0', '1']) {
      expect(sample(m.text, `shn_telemetry_shard_scrape_up{shard="${s}"}`)).toBe(1);
      expect(sample(m.text, `shn_shard_up{shard="${s}"}`)).toBe(1);
      expect(sample(m.text, `shn_messages_received_total{shard="${s}",kind="kv"}`)).toBeGreaterThanOrEqual(1);
    }
  });

  it('a live scrape passes promtool check metrics', async (ctx) => {
    if (!requireDebianTool('promtool', 'prometheus', (msg) => ctx.skip(msg))) return;
    await redis.set('p', '1');
    const page = (await get(server, '/metrics')).text;
    const out = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = execFile('promtool', ['check', 'metrics'], (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
      );
      child.stdin!.end(page);
    });
    expect(out.output).toBe('');
    expect(out.code).toBe(0);
  });

  it('probes keep their JSON, and ?verbose answers per shard through @shn/telemetry', async () => {
    expect(await get(server, '/readyz')).toMatchObject({ status: 200, text: '{"ready":true,"notReady":[]}' });
    expect((await get(server, '/livez')).status).toBe(200);
    expect((await get(server, '/startupz')).status).toBe(200);
    const v = await get(server, '/readyz?verbose');
    expect(v.status).toBe(200);
    const body = JSON.parse(v.text) as { status: string; shards: Array<{ shard: number; ok: boolean }> };
    expect(body.status).toBe('ok');
    expect(body.shards.map((s) => [s.shard, s.ok])).toEqual([[0, true], [1, true]]);
  });

  it('/debug/profile records a shard; /debug/heap snapshots one; bad input is a JSON 400', async () => {
    const p = await get(server, '/debug/profile?shard=1&seconds=0.2');
    expect(p.status).toBe(200);
    const profile = JSON.parse(p.text) as { nodes: unknown[]; startTime: number; endTime: number };
    expect(profile.nodes.length).toBeGreaterThan(0);
    expect(profile.endTime).toBeGreaterThan(profile.startTime);
    const h = await get(server, '/debug/heap?shard=0');
    expect(h.status).toBe(200);
    expect((JSON.parse(h.text) as { snapshot: unknown }).snapshot).toBeDefined();
    const bad = await get(server, '/debug/profile?shard=9');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
  });

  it('INFO breakers shows one closed breaker per destination shard, counting the cross-shard asks', async () => {
    const a = keyOn(0, 2, 'b');
    const b = keyOn(1, 2, 'b');
    await redis.mset(a, '1', b, '2');
    const info = await redis.info('breakers');
    expect(info).toMatch(/^# Breakers\r\n/);
    const lines = info.split('\r\n').filter((l) => l.startsWith('shard:'));
    // The serving thread's breakers: the gateway hops to both shards; a shard (shard-owned
    // mode) hops only to the other one.
    const servedBy = /served_by_shard:(\w+)/.exec(await redis.info('server'))![1];
    const expected = ['shard:0', 'shard:1'].filter((d) => d !== `shard:${servedBy}`);
    expect(lines.map((l) => l.split(':state=')[0])).toEqual(expected);
    for (const l of lines) {
      expect(l).toMatch(/state=closed/);
      expect(Number(/calls=(\d+)/.exec(l)![1])).toBeGreaterThanOrEqual(1);
    }
    // Default INFO carries the section too.
    expect(await redis.info()).toContain('# Breakers');
  });
});

describe('shn-kv with --telemetry off', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ port: 0, adminPort: 0, shards: 2, params: { telemetry: 'off' } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('records no message or command metrics; /metrics still has the runtime gauges and the probes answer', async () => {
    const redis = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await redis.connect();
    await redis.set('a', '1');
    redis.disconnect();
    const m = await get(server, '/metrics');
    expect(m.status).toBe(200);
    expect(m.text).not.toContain('shn_kv_commands_total');
    expect(m.text).not.toContain('shn_messages_received_total');
    expect(sample(m.text, 'shn_shard_up{shard="0"}')).toBe(1);
    expect((await get(server, '/readyz')).status).toBe(200);
  });
});
