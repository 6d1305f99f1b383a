import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isShnError } from '@shn/core';
import { benchRoot } from '../harness/paths.js';
import { runCommand } from './child-process-run.js';
import { RESERVED_PORTS, findFreePort } from './free-port.js';
import { pingOnce, startServerProcess } from './server-process.js';

const codeOf = (e: unknown) => (isShnError(e) ? e.code : `not a ShnError: ${String(e)}`);

/** A tiny RESP server in a child process: answers every command with +PONG. */
const fakeRedis = (port: number) =>
  `require('net').createServer((s) => s.on('data', () => s.write('+PONG\\r\\n'))).listen(${port}, '127.0.0.1')`;

describe('findFreePort', () => {
  it('returns bindable ports that are never reserved', async () => {
    for (let i = 0; i < 5; i++) {
      const port = await findFreePort();
      expect(RESERVED_PORTS.has(port)).toBe(false);
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('runCommand', () => {
  it('collects stdout of a successful command', async () => {
    const out = await runCommand(process.execPath, ['-e', 'process.stdout.write("hello")'], 10_000);
    expect(out.stdout).toBe('hello');
  });

  it('rejects INTERNAL on a non-zero exit, with its stderr', async () => {
    const err = await runCommand(process.execPath, ['-e', 'console.error("boom"); process.exit(3)'], 10_000).catch((e: unknown) => e);
    expect(codeOf(err)).toBe('INTERNAL');
    expect((err as Error).message).toContain('boom');
  });

  it('rejects TIMEOUT and kills a command that runs too long', async () => {
    const err = await runCommand(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], 200).catch((e: unknown) => e);
    expect(codeOf(err)).toBe('TIMEOUT');
  });
});

describe('startServerProcess', () => {
  it('resolves once the server answers PING, and stop() makes it go away', async () => {
    const port = await findFreePort();
    const server = await startServerProcess('fake', process.execPath, ['-e', fakeRedis(port)], port);
    expect(await pingOnce(port)).toBe(true);
    await server.stop();
    expect(await pingOnce(port)).toBe(false);
    await server.stop(); // idempotent
  });

  it('rejects INTERNAL when the process exits before listening', async () => {
    const port = await findFreePort();
    const err = await startServerProcess('dies', process.execPath, ['-e', 'console.log("bye"); process.exit(1)'], port).catch((e: unknown) => e);
    expect(codeOf(err)).toBe('INTERNAL');
    expect((err as Error).message).toContain('bye');
  });

  it('rejects TIMEOUT (and stops the process) when it never answers', async () => {
    const port = await findFreePort();
    const err = await startServerProcess('mute', process.execPath, ['-e', 'setInterval(() => {}, 1000)'], port, 300).catch((e: unknown) => e);
    expect(codeOf(err)).toBe('TIMEOUT');
  });

  // The bench process (a child here, running the built module) starts a server and then ends
  // without stopping it, in each way a bench can end early: the server must not outlive it.
  const built = pathToFileURL(path.join(benchRoot, 'dist', 'kv', 'server-process.js')).href;
  const endings: Record<string, string> = {
    'an uncaught exception': "process.stdin.once('data', () => { throw new Error('boom'); });",
    'process.exit': "process.stdin.once('data', () => process.exit(3));",
    SIGTERM: 'setInterval(() => {}, 1000);',
    SIGINT: 'setInterval(() => {}, 1000);',
  };
  for (const [ending, code] of Object.entries(endings)) {
    it(`kills its servers when the bench process ends by ${ending}`, async () => {
      const port = await findFreePort();
      const script = `const { startServerProcess } = await import(${JSON.stringify(built)});
        await startServerProcess('fake', process.execPath, ['-e', ${JSON.stringify(fakeRedis(port))}], ${port});
        process.stdout.write('up\\n');
        ${code}`;
      const bench = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'ignore'] });
      const exited = once(bench, 'exit');
      let out = '';
      await new Promise<void>((resolve, reject) => {
        bench.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          if (out.includes('up\n')) resolve();
        });
        bench.once('exit', (c) => reject(new Error(`bench process exited (${String(c)}) before its server was up: ${out}`)));
      });
      expect(await pingOnce(port)).toBe(true);
      if (ending === 'SIGTERM' || ending === 'SIGINT') bench.kill(ending);
      else bench.stdin.write('go\n'); // now end
      const [exitCode, signal] = (await exited) as [number | null, NodeJS.Signals | null];
      if (ending === 'SIGTERM' || ending === 'SIGINT') expect(signal).toBe(ending); // still ends by the signal
      else expect(exitCode).not.toBe(0);
      let up = true;
      for (let i = 0; i < 40 && up; i++) {
        up = await pingOnce(port);
        if (up) await new Promise((r) => setTimeout(r, 50));
      }
      expect(up).toBe(false);
    });
  }
});
