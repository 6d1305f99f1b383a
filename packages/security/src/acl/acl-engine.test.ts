import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AclEngine } from './acl-engine.js';
import { AclSession } from './acl-session.js';
import { RESP_ERRORS } from './acl-errors.js';

const SECRET_HASH = '2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b'; // sha256("secret")
const argv = (line: string): Buffer[] => line.split(' ').map((w) => Buffer.from(w));

describe('AclEngine rules and ACL LIST', () => {
  it('formats users the way Redis 7.0 lists them', () => {
    const e = new AclEngine();
    e.setUser('ro', 'on >secret ~app:* +@read');
    e.setUser('admin', ['on', `#${SECRET_HASH}`, '~*', '&*', '+@all', '-flushall']);
    e.setUser('off1', '');
    e.setUser('q', 'on nopass allcommands allkeys');
    // Each expected line is what redis-server 7.0.15 printed for the same ACL SETUSER.
    expect(e.list()).toEqual([
      `user admin on #${SECRET_HASH} ~* &* +@all -flushall`,
      'user default on nopass ~* &* +@all',
      'user off1 off resetchannels -@all',
      'user q on nopass ~* resetchannels +@all',
      `user ro on #${SECRET_HASH} ~app:* resetchannels -@all +@read`,
    ]);
    e.setUser('q', 'resetkeys ~a ~b -get');
    expect(e.getUser('q')?.describe()).toBe('user q on nopass ~a ~b resetchannels +@all -get');
    e.setUser('z', 'reset');
    expect(e.getUser('z')?.describe()).toBe('user z off resetchannels -@all');
  });

  it('refuses bad rules with Redis wording and leaves the user unchanged', () => {
    const e = new AclEngine();
    e.setUser('u', 'on >pw +get');
    const before = e.getUser('u')?.describe();
    expect(() => e.setUser('u', '-get +foo')).toThrow("ERR Error in ACL SETUSER modifier '+foo': Unknown command or category name in ACL");
    expect(() => e.setUser('u', '+@nope')).toThrow("ERR Error in ACL SETUSER modifier '+@nope': Unknown command or category name in ACL");
    expect(() => e.setUser('u', 'bogus')).toThrow("ERR Error in ACL SETUSER modifier 'bogus': Syntax error");
    expect(() => e.setUser('u', '#abc')).toThrow(/exactly 64 characters/);
    expect(() => e.setUser('u', 'allkeys ~x')).toThrow(/Adding a pattern after the \* pattern/);
    expect(() => e.setUser('u', '(~x +get)')).toThrow(/Selectors are not supported/);
    expect(e.getUser('u')?.describe()).toBe(before);
    expect(() => e.deleteUser('default')).toThrow("ERR The 'default' user cannot be removed");
  });

  it('checks commands, categories, subcommands and keys', () => {
    const e = new AclEngine({ users: { ro: 'on >pw ~app:* +@read', w: 'on nopass allkeys +@write -@dangerous +get', c: 'on nopass +client -client|kill' } });
    expect(e.check('ro', argv('GET app:1'))).toEqual({ ok: true });
    expect(e.check('ro', argv('SET app:1 v'))).toMatchObject({ ok: false, reason: 'command', error: "NOPERM this user has no permissions to run the 'set' command" });
    expect(e.check('ro', argv('GET other'))).toMatchObject({ ok: false, reason: 'key', key: 'other', error: RESP_ERRORS.nopermKey });
    expect(e.check('ro', argv('MGET app:1 b'))).toMatchObject({ ok: false, reason: 'key', key: 'b' });
    expect(e.check('w', argv('SET x 1'))).toEqual({ ok: true });
    expect(e.check('w', argv('FLUSHALL'))).toMatchObject({ ok: false, command: 'flushall' });
    expect(e.check('w', argv('GET x'))).toEqual({ ok: true });
    expect(e.check('w', argv('MGET x'))).toMatchObject({ ok: false, command: 'mget' });
    expect(e.check('c', argv('CLIENT ID'))).toEqual({ ok: true });
    expect(e.check('c', argv('CLIENT KILL x'))).toMatchObject({ ok: false, command: 'client|kill' });
    expect(e.check('ro', argv('ACL WHOAMI'))).toMatchObject({ ok: false, error: "NOPERM this user has no permissions to run the 'acl|whoami' command" });
    expect(e.check('ro', argv('AUTH x y'))).toEqual({ ok: true });
    expect(e.check('ro', argv('NOSUCHCOMMAND x'))).toEqual({ ok: true });
  });

  it('checkCommand(user, command, keys) checks a known command and exactly the keys given', () => {
    const e = new AclEngine({ users: { ro: 'on nopass ~app:* +@read +acl|whoami' } });
    expect(e.checkCommand('ro', 'get', ['app:1'])).toEqual({ ok: true });
    expect(e.checkCommand('ro', 'GET', ['app:1', 'x'])).toMatchObject({ ok: false, reason: 'key', key: 'x' });
    expect(e.checkCommand('ro', 'set', ['app:1'])).toMatchObject({ ok: false, reason: 'command', command: 'set' });
    expect(e.checkCommand('ro', 'acl whoami')).toEqual({ ok: true });
    expect(e.checkCommand('ro', 'nosuch')).toMatchObject({ ok: false, reason: 'command' });
    expect(e.checkCommand('ghost', 'get', ['app:1'])).toMatchObject({ ok: false, reason: 'command' });
  });

  it('MSET checks every key (step 2) and %R~ / %W~ patterns split reads from writes', () => {
    const e = new AclEngine({ users: { u: 'on nopass +@all ~a:* %R~r:* %W~w:*' } });
    expect(e.check('u', argv('MSET a:1 x a:2 y'))).toEqual({ ok: true });
    expect(e.check('u', argv('MSET a:1 x b:2 y'))).toMatchObject({ ok: false, key: 'b:2' });
    expect(e.check('u', argv('GET r:1'))).toEqual({ ok: true });
    expect(e.check('u', argv('SET r:1 v'))).toMatchObject({ ok: false, reason: 'key' });
    expect(e.check('u', argv('SET w:1 v'))).toEqual({ ok: true });
    expect(e.check('u', argv('GET w:1'))).toMatchObject({ ok: false, reason: 'key' });
    expect(e.getUser('u')?.describe()).toBe('user u on nopass ~a:* %R~r:* %W~w:* resetchannels +@all');
  });

  it('authenticates with SHA-256 hashes: right password, wrong password, unknown user, disabled user', () => {
    const e = new AclEngine({ users: { ro: `on #${SECRET_HASH} +@read`, off: 'off >pw +@all', np: 'on nopass' } });
    expect(e.authenticate('ro', 'secret')).toEqual({ ok: true, user: 'ro' });
    expect(e.authenticate('ro', 'nope')).toEqual({ ok: false, error: RESP_ERRORS.wrongpass });
    expect(e.authenticate('ghost', 'secret')).toEqual({ ok: false, error: RESP_ERRORS.wrongpass });
    expect(e.authenticate('off', 'pw')).toEqual({ ok: false, error: RESP_ERRORS.wrongpass });
    expect(e.authenticate('np', 'anything')).toEqual({ ok: true, user: 'np' });
  });

  it('loads an aclfile and writes it back identically', () => {
    const file = ['# users of shn-kv', `user default on #${SECRET_HASH} ~* &* +@all`, 'user ro on nopass ~app:* resetchannels -@all +@read', ''].join('\n');
    const e = new AclEngine({ aclFile: file });
    expect(e.toAclFile()).toBe(`user default on #${SECRET_HASH} ~* &* +@all\nuser ro on nopass ~app:* resetchannels -@all +@read\n`);
    expect(new AclEngine({ aclFile: e.toAclFile() }).toAclFile()).toBe(e.toAclFile());
    expect(() => e.loadAclFile('user a on\nuser a off')).toThrow(/line 2: duplicate user 'a'/);
    expect(() => e.loadAclFile('usr a on')).toThrow(/line 1: should start with user keyword/);
    expect(() => e.loadAclFile('user a on +nosuch')).toThrow(/line 1: Unknown command/);
    expect(e.userNames()).toEqual(['default', 'ro']);
  });

  it('parsing random rule strings is always a typed error or a change, never a crash', () => {
    const e = new AclEngine();
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 12 }), { maxLength: 6 }), (rules) => {
        try {
          e.setUser('fuzz', rules.filter((r) => r.length > 0));
        } catch (x) {
          expect(x).toMatchObject({ code: 'INVALID_ARGUMENT' });
        }
        expect(typeof e.getUser('fuzz')?.describe()).toMatch(/string|undefined/);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('AclSession (what shn-kv runs before each command)', () => {
  it('a command before AUTH when auth is required gets NOAUTH; then AUTH with password and with user pass', () => {
    const e = new AclEngine({ requirePass: 'topsecret', users: { ro: 'on >ropw ~* +@read' } });
    const s = new AclSession(e);
    expect(s.user).toBeUndefined();
    expect(s.gate(argv('GET k'))).toEqual({ err: 'NOAUTH Authentication required.' });
    expect(s.gate(argv('ACL WHOAMI'))).toEqual({ err: 'NOAUTH Authentication required.' });
    expect(s.gate(argv('QUIT'))).toBeUndefined();
    expect(s.gate(argv('AUTH wrong'))).toEqual({ err: 'WRONGPASS invalid username-password pair or user is disabled.' });
    expect(s.gate(argv('AUTH default wrong'))).toEqual({ err: RESP_ERRORS.wrongpass });
    expect(s.gate(argv('AUTH topsecret'))).toBe('OK');
    expect(s.gate(argv('GET k'))).toBeUndefined();
    expect(Buffer.from(s.gate(argv('ACL WHOAMI')) as Uint8Array).toString()).toBe('default');
    expect(s.gate(argv('AUTH ro ropw'))).toBe('OK');
    expect(s.user).toBe('ro');
  });

  it('a read-only user is refused SET with NOPERM, and a failed AUTH keeps the current user', () => {
    const e = new AclEngine({ requirePass: 'x', users: { ro: 'on >pw ~app:* +@read +acl|whoami' } });
    const s = new AclSession(e);
    expect(s.gate(argv('AUTH ro pw'))).toBe('OK');
    expect(s.gate(argv('SET app:1 v'))).toEqual({ err: "NOPERM this user has no permissions to run the 'set' command" });
    expect(s.gate(argv('GET secret:1'))).toEqual({ err: 'NOPERM this user has no permissions to access one of the keys used as arguments' });
    expect(s.gate(argv('GET app:1'))).toBeUndefined();
    expect(s.gate(argv('AUTH ro bad'))).toEqual({ err: RESP_ERRORS.wrongpass });
    expect(Buffer.from(s.gate(argv('ACL WHOAMI')) as Uint8Array).toString()).toBe('ro');
    expect(s.gate(argv('ACL LIST'))).toEqual({ err: "NOPERM this user has no permissions to run the 'acl|list' command" });
  });

  it('without requirepass connections start as default; AUTH <pw> then says no password is configured', () => {
    const s = new AclSession(new AclEngine());
    expect(s.user).toBe('default');
    expect(s.gate(argv('AUTH pw'))).toEqual({ err: RESP_ERRORS.authWithoutPassword });
    expect(s.gate(argv('AUTH a b c'))).toEqual({ err: 'ERR syntax error' });
    expect(s.gate(argv('AUTH'))).toEqual({ err: "ERR wrong number of arguments for 'auth' command" });
  });

  it('ACL LIST, USERS, SETUSER, DELUSER, CAT, DRYRUN, GENPASS for an admin; a deleted user loses its session', () => {
    const e = new AclEngine();
    const admin = new AclSession(e);
    expect(admin.gate(argv('ACL SETUSER bob on >pw ~b:* +get'))).toBe('OK');
    const pwHash = '30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4'; // sha256("pw")
    expect((admin.gate(argv('ACL LIST')) as Uint8Array[]).map(String)).toContain(`user bob on #${pwHash} ~b:* resetchannels -@all +get`);
    expect((admin.gate(argv('ACL USERS')) as Uint8Array[]).map(String)).toEqual(['bob', 'default']);
    expect(String(admin.gate(argv('ACL DRYRUN bob set b:1 v')))).toBe("This user has no permissions to run the 'set' command");
    expect(String(admin.gate(argv('ACL DRYRUN bob get zz')))).toBe("This user has no permissions to access the 'zz' key");
    expect(admin.gate(argv('ACL DRYRUN bob get b:1'))).toBe('OK');
    expect(admin.gate(argv('ACL DRYRUN nobody get zz'))).toEqual({ err: "ERR User 'nobody' not found" });
    expect(admin.gate(argv('ACL CAT nope'))).toEqual({ err: "ERR Unknown category 'nope'" });
    expect((admin.gate(argv('ACL CAT hash')) as Uint8Array[]).map(String)).toContain('hset');
    expect(String(admin.gate(argv('ACL GENPASS')))).toMatch(/^[0-9a-f]{64}$/);
    expect(admin.gate(argv('ACL SETUSER bob +nosuch'))).toEqual({ err: "ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL" });
    expect(admin.gate(argv('ACL WHOAMI extra'))).toEqual({ err: "ERR wrong number of arguments for 'acl|whoami' command" });
    const bob = new AclSession(e);
    expect(bob.gate(argv('AUTH bob pw'))).toBe('OK');
    expect(admin.gate(argv('ACL DELUSER bob ghost'))).toBe(1);
    expect(bob.gate(argv('GET b:1'))).toEqual({ err: RESP_ERRORS.noauth });
  });
});
