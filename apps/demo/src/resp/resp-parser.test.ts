import { hasCode, isShnError } from '@shn/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCommand } from './command-encoder.js';
import { protocolErrorReply } from './protocol-error.js';
import { RespParser } from './resp-parser.js';

/** Feeds chunks, collects commands; returns the protocol error reply if one occurred. */
function parseAll(chunks: readonly Uint8Array[], parser = new RespParser()): { commands: Buffer[][]; error?: string } {
  const commands: Buffer[][] = [];
  for (const chunk of chunks) {
    parser.push(chunk);
    try {
      for (let cmd = parser.next(); cmd !== undefined; cmd = parser.next()) commands.push(cmd);
    } catch (err) {
      if (!hasCode(err, 'PROTOCOL_ERROR')) throw err;
      return { commands, error: protocolErrorReply(err) };
    }
  }
  return { commands };
}

function splitAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

const argArb = fc.uint8Array({ minLength: 0, maxLength: 40 }).map((a) => Buffer.from(a));
const commandArb = fc.array(argArb, { minLength: 1, maxLength: 6 });

describe('RespParser', () => {
  it('parses a multibulk command and an inline command', () => {
    const { commands } = parseAll([Buffer.from('*2\r\n$3\r\nGET\r\n$1\r\na\r\nPING\r\nset "a b" \'c\\\'d\' "\\x41\\n"\r\n')]);
    expect(commands.map((c) => c.map((a) => a.toString('latin1')))).toEqual([['GET', 'a'], ['PING'], ['set', 'a b', "c'd", 'A\n']]);
  });

  it('skips empty commands (*0, *-1, blank inline lines) as Redis does', () => {
    const { commands, error } = parseAll([Buffer.from('*0\r\n*-1\r\n\r\n   \r\n\nPING\n')]);
    expect(error).toBeUndefined();
    expect(commands.map((c) => c.map((a) => a.toString()))).toEqual([['PING']]);
  });

  it('round-trips random pipelines split into random chunks', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (cmds, cuts) => {
        const wire = Buffer.concat(cmds.map((c) => encodeCommand(c)));
        const { commands, error } = parseAll(splitAt(wire, cuts));
        expect(error).toBeUndefined();
        expect(commands).toEqual(cmds);
      }),
    );
  });

  it('parses a pipeline fed one byte at a time', () => {
    const cmds = [[Buffer.from('SET'), Buffer.from('k'), Buffer.from('v\r\n')], [Buffer.from('GET'), Buffer.from('k')]];
    const wire = Buffer.concat([...cmds.map((c) => encodeCommand(c)), Buffer.from('PING\r\n')]);
    const bytes = [...wire].map((b) => Buffer.from([b]));
    const { commands } = parseAll(bytes);
    expect(commands).toEqual([...cmds, [Buffer.from('PING')]]);
  });

  it('returns zero-copy subarrays when an argument lies inside one chunk', () => {
    const wire = encodeCommand(['SET', 'key', 'value']);
    const parser = new RespParser();
    parser.push(wire);
    const cmd = parser.next()!;
    expect(cmd[2]!.buffer).toBe(wire.buffer);
  });

  const errorCases: [string, string][] = [
    ['*1\r\n$-1\r\n', 'ERR Protocol error: invalid bulk length'],
    ['*1\r\n$01\r\n', 'ERR Protocol error: invalid bulk length'],
    ['*1\r\n$536870913\r\n', 'ERR Protocol error: invalid bulk length'],
    ['*1\r\n$abc\r\n', 'ERR Protocol error: invalid bulk length'],
    ['*2147483648\r\n', 'ERR Protocol error: invalid multibulk length'],
    ['*-0\r\n', 'ERR Protocol error: invalid multibulk length'],
    ['*x\r\n', 'ERR Protocol error: invalid multibulk length'],
    ['*1\r\nx', "ERR Protocol error: expected '$', got 'x'"],
    ['*1\r\n:1\r\n', "ERR Protocol error: expected '$', got ':'"],
    ['*1\r\n\r\n', "ERR Protocol error: expected '$', got ' '"],
    ['"abc\r\n', 'ERR Protocol error: unbalanced quotes in request'],
    ['"a"b\r\n', 'ERR Protocol error: unbalanced quotes in request'],
    ["set 'a\r\n", 'ERR Protocol error: unbalanced quotes in request'],
  ];
  it.each(errorCases)('rejects %j with Redis error %j', (input, reply) => {
    const { error } = parseAll([Buffer.from(input, 'latin1')]);
    expect(error).toBe(reply);
  });

  it('accepts the limits themselves (512 MiB bulk header, INT_MAX multibulk header) without allocating', () => {
    const p = new RespParser();
    p.push(Buffer.from('*2147483647\r\n$536870912\r\nabc'));
    expect(p.next()).toBeUndefined();
    expect(p.bufferedBytes).toBe(3);
  });

  it('reports too big inline requests past 64 KiB, whatever the chunking', () => {
    const p = new RespParser();
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    let error: unknown;
    for (let i = 0; i < 5 && error === undefined; i++) {
      p.push(chunk);
      try {
        p.next();
      } catch (err) {
        error = err;
      }
    }
    expect(hasCode(error, 'PROTOCOL_ERROR') && protocolErrorReply(error)).toBe('ERR Protocol error: too big inline request');
    expect(p.bufferedBytes).toBe(0);
    const single = parseAll([Buffer.concat([Buffer.alloc(70_000, 0x61), Buffer.from('\r\n')])]);
    expect(single.error).toBe('ERR Protocol error: too big inline request');
  });

  it('bounds header lines too', () => {
    expect(parseAll([Buffer.from('*' + '1'.repeat(70_000))]).error).toBe('ERR Protocol error: too big mbulk count string');
    expect(parseAll([Buffer.from('*1\r\n$' + '1'.repeat(70_000))]).error).toBe('ERR Protocol error: too big bulk count string');
  });

  it('stays failed after a protocol error', () => {
    const p = new RespParser();
    p.push(Buffer.from('*1\r\n$-5\r\n'));
    expect(() => p.next()).toThrow('invalid bulk length');
    p.push(Buffer.from('PING\r\n'));
    expect(() => p.next()).toThrow('invalid bulk length');
  });

  it('keeps memory proportional to bytes received for a huge length prefix', () => {
    const p = new RespParser();
    const before = process.memoryUsage().arrayBuffers;
    p.push(Buffer.from('*1\r\n$536870912\r\n'));
    for (let i = 0; i < 64; i++) {
      p.push(Buffer.alloc(1024, 0x62));
      expect(p.next()).toBeUndefined();
    }
    expect(p.bufferedBytes).toBe(64 * 1024);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('assembles a large bulk arriving in many chunks with a single merge', () => {
    const payload = Buffer.alloc(1024 * 1024, 0x63);
    const wire = encodeCommand(['SET', 'big', payload]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < wire.length; i += 4096) chunks.push(wire.subarray(i, i + 4096));
    const { commands } = parseAll(chunks);
    expect(commands).toHaveLength(1);
    expect(commands[0]![2]!.equals(payload)).toBe(true);
  });

  it('random bytes yield commands or PROTOCOL_ERROR, never another exception', () => {
    const interesting = fc.constantFrom(...['*', '$', '\r', '\n', '-', '0', '1', '9', '"', "'", '\\', 'x', ' ', '\0'].map((c) => c.charCodeAt(0)));
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), interesting), { maxLength: 200 }), fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
        const parser = new RespParser({ maxInlineLength: 64 });
        const wire = Buffer.from(bytes);
        for (const chunk of splitAt(wire, cuts)) {
          parser.push(chunk);
          try {
            for (let cmd = parser.next(); cmd !== undefined; cmd = parser.next()) expect(cmd.length).toBeGreaterThan(0);
          } catch (err) {
            expect(isShnError(err) && err.code).toBe('PROTOCOL_ERROR');
            return;
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('gives the same result whatever the chunking (random bytes)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
        const wire = Buffer.from(bytes);
        const whole = parseAll([wire], new RespParser({ maxInlineLength: 32 }));
        const split = parseAll(splitAt(wire, cuts), new RespParser({ maxInlineLength: 32 }));
        expect(split).toEqual(whole);
      }),
      { numRuns: 1000 },
    );
  });
});
