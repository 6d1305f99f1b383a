import { describe, expect, it } from 'vitest';
import { AclEngine } from './acl-engine.js';
import { aclGatedRouter } from './acl-gated-router.js';

const argv = (line: string): Buffer[] => line.split(' ').map((w) => Buffer.from(w));

describe('aclGatedRouter', () => {
  it('answers auth and refusals itself, passes allowed commands through, one session per connection', () => {
    const ran: string[] = [];
    const inner = { execute: (args: Buffer[], s: { id: number }) => (ran.push(`${s.id}:${args.join(' ')}`), 'OK') };
    const router = aclGatedRouter(inner, new AclEngine({ requirePass: 'pw', users: { ro: 'on >ro ~* +@read' } }));
    const a = { id: 1 };
    const b = { id: 2 };
    expect(router.execute(argv('SET k v'), a)).toEqual({ err: 'NOAUTH Authentication required.' });
    expect(router.execute(argv('AUTH ro ro'), a)).toBe('OK');
    expect(router.execute(argv('SET k v'), a)).toEqual({ err: "NOPERM this user has no permissions to run the 'set' command" });
    expect(router.execute(argv('GET k'), a)).toBe('OK');
    expect(router.execute(argv('GET k'), b)).toEqual({ err: 'NOAUTH Authentication required.' });
    expect(router.sessionOf(a).user).toBe('ro');
    expect(ran).toEqual(['1:GET k']);
  });
});
