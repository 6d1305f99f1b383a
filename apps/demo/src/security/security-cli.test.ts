import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCli } from '../main.js';
import { DATA_COMMANDS } from '../kv/data-commands.js';
import { CRDT_COMMANDS } from '../crdt/crdt-commands.js';
import { SERVER_COMMANDS } from '../kv/server-commands.js';
import { kvAclEngine, loadKvAclConfig } from './kv-acl.js';

describe('security flags', () => {
  it('parses --requirepass, --aclfile and the TLS flags into startServer options', () => {
    expect(parseCli(['--requirepass', 'pw', '--aclfile', '/etc/u.acl'], {}).security).toEqual({ requirePass: 'pw', aclFile: '/etc/u.acl' });
    expect(parseCli(['--tls-port', '6390', '--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--tls-ca', 'ca.pem'], {}).security).toEqual({
      tls: { port: 6390, certFile: 'c.pem', keyFile: 'k.pem', caFile: 'ca.pem', authClients: true },
    });
    expect(parseCli(['--tls-port', '0', '--tls-cert', 'c', '--tls-key', 'k', '--tls-auth-clients', 'no'], {}).security?.tls?.authClients).toBe(false);
    expect(parseCli([], {}).security).toBeUndefined();
  });

  it('refuses incomplete or bad TLS flags and empty values with INVALID_ARGUMENT', () => {
    const bad: [string[], RegExp][] = [
      [['--tls-port', '6390'], /--tls-port, --tls-cert and --tls-key together/],
      [['--tls-cert', 'c', '--tls-key', 'k'], /--tls-port, --tls-cert and --tls-key together/],
      [['--tls-port', '6390', '--tls-cert', 'c', '--tls-key', 'k'], /needs --tls-ca/],
      [['--tls-port', '70000', '--tls-cert', 'c', '--tls-key', 'k', '--tls-ca', 'a'], /--tls-port must be an integer in \[0, 65535\]/],
      [['--tls-port', '1', '--tls-cert', 'c', '--tls-key', 'k', '--tls-auth-clients', 'maybe'], /--tls-auth-clients must be yes or no/],
      [['--requirepass', ''], /--requirepass needs a non-empty value/],
    ];
    for (const [argv, msg] of bad) expect(() => parseCli(argv, {})).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(msg) }));
  });

  it('an unreadable or invalid aclfile fails at start, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shn-kv-aclcfg-'));
    try {
      expect(() => loadKvAclConfig({ aclFile: join(dir, 'missing.acl') })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('cannot read aclfile') }));
      const f = join(dir, 'bad.acl');
      writeFileSync(f, 'user ro on >pw +nosuchthing\n');
      expect(() => loadKvAclConfig({ aclFile: f })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`aclfile ${f}`) }));
      expect(loadKvAclConfig({})).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the ACL engine knows every shn-kv command', () => {
  const engine = kvAclEngine({ requirePass: 'pw', aclFileText: 'user ro on >ro ~* +@read\nuser none on >n ~* -@all\n' });
  const all = [...DATA_COMMANDS, ...CRDT_COMMANDS, ...SERVER_COMMANDS];

  it('no shn-kv command is unknown to the ACL (unknown commands would pass the gate)', () => {
    for (const spec of all) expect(engine.commands.get(spec.name), spec.name).toBeDefined();
  });

  it('a user with -@all may run no command but the no-auth ones (HELLO), whatever its arguments (property)', () => {
    expect(engine.check('none', ['hello']).ok).toBe(true);
    fc.assert(
      fc.property(fc.constantFrom(...all.map((s) => s.name).filter((n) => engine.commands.get(n)?.noAuth !== true)), fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }), (name, rest) => {
        const d = engine.check('none', [name, ...rest]);
        // ACL commands with an unknown subcommand fall back to the container, also refused.
        expect(d.ok).toBe(false);
      }),
    );
  });

  it('a +@read user may run no command flagged write (property)', () => {
    const writes = all.filter((s) => s.flags.includes('write')).map((s) => s.name);
    fc.assert(
      fc.property(fc.constantFrom(...writes), fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 4 }), (name, rest) => {
        expect(engine.check('ro', [name, ...rest]).ok).toBe(false);
      }),
    );
  });
});
