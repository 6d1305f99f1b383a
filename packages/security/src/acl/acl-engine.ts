import { timingSafeEqual } from 'node:crypto';
import { ShnError } from '@shn/core';
import { AclRuleError, AclUser, passwordHash } from './acl-user.js';
import { RESP_ERRORS, nopermCommand, setUserError } from './acl-errors.js';
import { CommandIndex } from './command-index.js';
import { DEFAULT_ACL_COMMANDS } from './command-table.js';
import type { AclCommandSpec } from './command-table.js';

/** An argument as a RESP server receives it. */
export type AclArg = Uint8Array | string;

/** The outcome of {@link AclEngine.check}. */
export type AclDecision =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** `command`: the command is not allowed; `key`: one of its keys is outside the user's patterns. */
      readonly reason: 'command' | 'key';
      /** The command id checked (`set`, `acl|whoami`). */
      readonly command: string;
      /** The refused key (latin1), for `reason: 'key'`. */
      readonly key?: string;
      /** Redis's error text, e.g. `NOPERM this user has no permissions to run the 'set' command`. */
      readonly error: string;
    };

/** The outcome of {@link AclEngine.authenticate}. */
export type AclAuthResult = { readonly ok: true; readonly user: string } | { readonly ok: false; readonly error: string };

/** Options for {@link AclEngine}. */
export interface AclEngineOptions {
  /** Extra or replacing command specs (by name), on top of {@link DEFAULT_ACL_COMMANDS}. */
  readonly commands?: readonly AclCommandSpec[];
  /** Like Redis's `requirepass`: the default user gets this password (and stays `on`). */
  readonly requirePass?: string;
  /** An aclfile's text (`user <name> <rules...>` per line), applied after `requirePass`. */
  readonly aclFile?: string;
  /** Users as name → rule string, applied after the aclfile (`{ ro: 'on >pw ~app:* +@read' }`). */
  readonly users?: Readonly<Record<string, string>>;
}

const ACL_OK: AclDecision = Object.freeze({ ok: true });
const DUMMY_HASH = passwordHash('shn-dummy-password');
const USER_NAME = /^[^\s]{1,128}$/;

function argText(a: AclArg | undefined): string {
  if (a === undefined) return '';
  return typeof a === 'string' ? a : Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('latin1');
}

function argBytes(a: AclArg): Uint8Array {
  return typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
}

/**
 * A Redis-compatible ACL engine: users with `on`/`off`, SHA-256 password hashes (`>pw`, `#hash`,
 * `nopass`), command rules (`+@all`, `-@all`, `+@category`, `+cmd`, `-cmd`, `+container|sub`)
 * and key patterns (`~glob` with Redis glob semantics, `%R~`/`%W~`, `allkeys`, `resetkeys`).
 * Like Redis it starts with `user default on nopass ~* &* +@all`.
 *
 * Networking-free: a server makes one `AclSession` per connection and calls its `gate` per
 * command (see the README for the shn-kv wiring).
 */
export class AclEngine {
  /** The command table rules and checks resolve against. */
  readonly commands: CommandIndex;
  readonly #users = new Map<string, AclUser>();

  /** @throws ShnError `INVALID_ARGUMENT` for a bad command spec, aclfile line or rule. */
  constructor(options: AclEngineOptions = {}) {
    const specs = new Map<string, AclCommandSpec>();
    for (const s of [...DEFAULT_ACL_COMMANDS, ...(options.commands ?? [])]) specs.set(s.name, s);
    this.commands = new CommandIndex([...specs.values()]);
    this.#users.set('default', this.#defaultUser());
    if (options.requirePass !== undefined) {
      if (typeof options.requirePass !== 'string' || options.requirePass.length === 0) {
        throw new ShnError('INVALID_ARGUMENT', 'requirePass must be a non-empty string');
      }
      this.setUser('default', ['resetpass', `>${options.requirePass}`]);
    }
    if (options.aclFile !== undefined) this.loadAclFile(options.aclFile);
    for (const [name, rules] of Object.entries(options.users ?? {})) this.setUser(name, rules);
  }

  /**
   * Creates or modifies a user, like `ACL SETUSER name rule...`. A new user starts `off`, with no
   * password, no commands and no keys. All rules apply or none do.
   * @param rules - one string of space-separated rules, or the rules as separate arguments.
   * @throws ShnError `INVALID_ARGUMENT` whose message is Redis's (`ERR Error in ACL SETUSER modifier '...': ...`).
   */
  setUser(name: string, rules: string | readonly string[]): void {
    if (typeof name !== 'string' || !USER_NAME.test(name)) {
      throw new ShnError('INVALID_ARGUMENT', `ERR ACL user name must be 1 to 128 non-space characters, got ${JSON.stringify(name)}`);
    }
    const list = typeof rules === 'string' ? rules.split(/\s+/).filter((r) => r.length > 0) : rules;
    const user = (this.#users.get(name) ?? new AclUser(name)).clone();
    for (const rule of list) {
      try {
        user.apply(rule, this.commands);
      } catch (e) {
        if (e instanceof AclRuleError) {
          throw new ShnError('INVALID_ARGUMENT', setUserError(e.rule, e.why), { details: { user: name, rule: e.rule } });
        }
        throw e;
      }
    }
    this.#users.set(name, user);
  }

  /**
   * Deletes users like `ACL DELUSER`; returns how many existed.
   * @throws ShnError `INVALID_ARGUMENT` for `default` (`ERR The 'default' user cannot be removed`).
   */
  deleteUser(...names: string[]): number {
    if (names.includes('default')) throw new ShnError('INVALID_ARGUMENT', "ERR The 'default' user cannot be removed");
    let n = 0;
    for (const name of names) if (this.#users.delete(name)) n++;
    return n;
  }

  /** The user named `name`, or undefined. Treat it as read-only; change users with {@link AclEngine.setUser}. */
  getUser(name: string): AclUser | undefined {
    return this.#users.get(name);
  }

  /** User names in creation order (`default` first). */
  userNames(): string[] {
    return [...this.#users.keys()];
  }

  /** `ACL LIST`: one line per user, sorted by name like Redis. */
  list(): string[] {
    return [...this.#users.values()].map((u) => u.describe()).sort();
  }

  /** The text of an aclfile holding every user (what `ACL SAVE` writes). */
  toAclFile(): string {
    return `${this.list().join('\n')}\n`;
  }

  /**
   * Replaces every user with those of an aclfile, like `ACL LOAD`: one `user <name> <rules...>`
   * per line; blank lines and lines starting with `#` followed by a space are skipped. When the
   * file does not mention `default`, the default user is reset to `on nopass ~* &* +@all`.
   * All lines apply or none do.
   * @throws ShnError `INVALID_ARGUMENT` naming the line number and Redis's reason.
   */
  loadAclFile(text: string): void {
    if (typeof text !== 'string') throw new ShnError('INVALID_ARGUMENT', 'aclfile must be a string');
    const users = new Map<string, AclUser>();
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = (lines[i] as string).trim();
      if (line.length === 0 || line.startsWith('# ')) continue;
      const words = line.split(/\s+/);
      if (words[0] !== 'user' || words.length < 2) {
        throw new ShnError('INVALID_ARGUMENT', `aclfile line ${i + 1}: should start with user keyword`, { details: { line: i + 1 } });
      }
      const name = words[1] as string;
      if (users.has(name)) throw new ShnError('INVALID_ARGUMENT', `aclfile line ${i + 1}: duplicate user '${name}' found`);
      const user = name === 'default' ? new AclUser('default') : new AclUser(name);
      for (const rule of words.slice(2)) {
        try {
          user.apply(rule, this.commands);
        } catch (e) {
          if (e instanceof AclRuleError) {
            throw new ShnError('INVALID_ARGUMENT', `aclfile line ${i + 1}: ${e.why}. Rule '${e.rule}'`, { details: { line: i + 1, rule: e.rule } });
          }
          throw e;
        }
      }
      users.set(name, user);
    }
    if (!users.has('default')) users.set('default', this.#defaultUser());
    this.#users.clear();
    this.#users.set('default', users.get('default') as AclUser);
    for (const [name, u] of users) if (name !== 'default') this.#users.set(name, u);
  }

  /**
   * Checks a password like `AUTH user pass`: the user must exist, be `on`, and have `nopass` or
   * the password (compared as SHA-256 digests with `timingSafeEqual`; an unknown user costs the
   * same hash and compare, so timing does not reveal which users exist).
   */
  authenticate(username: string, password: AclArg): AclAuthResult {
    const digest = passwordHash(argBytes(password));
    const user = this.#users.get(username);
    let match = false;
    for (const h of user?.passwords ?? [DUMMY_HASH]) if (timingSafeEqual(h, digest)) match = true;
    if (user !== undefined && user.enabled && (user.nopass || (match && user.passwords.length > 0))) return { ok: true, user: username };
    return { ok: false, error: RESP_ERRORS.wrongpass };
  }

  /**
   * The command id of an argv: `get`, or `acl|whoami` for a known container's subcommand.
   * Returns undefined for a command the engine does not know.
   */
  commandId(args: readonly AclArg[]): string | undefined {
    const name = argText(args[0]).toLowerCase();
    if (this.commands.isContainer(name) && args.length >= 2) {
      const sub = `${name}|${argText(args[1]).toLowerCase()}`;
      return this.commands.get(sub) === undefined ? name : sub;
    }
    return this.commands.get(name) === undefined ? undefined : name;
  }

  /**
   * May `user` run `args` (`args[0]` is the command)? Checks the command, then every key in
   * the command's key positions against the user's patterns (`%R~` patterns for reads, `%W~`
   * for writes). Unknown commands are allowed here: the command layer answers them with
   * `ERR unknown command`. `no-auth` commands (AUTH, HELLO) are always allowed.
   */
  check(user: AclUser | string, args: readonly AclArg[]): AclDecision {
    const u = typeof user === 'string' ? this.#users.get(user) : user;
    const id = this.commandId(args);
    if (id === undefined) return ACL_OK;
    const spec = this.commands.get(id) as AclCommandSpec;
    if (spec.noAuth === true) return ACL_OK;
    if (u === undefined || !u.mayRun(id)) return { ok: false, reason: 'command', command: id, error: nopermCommand(id) };
    if (u.allKeys || spec.firstKey === 0) return ACL_OK;
    const write = spec.categories.includes('write');
    const last = spec.lastKey < 0 ? args.length + spec.lastKey : Math.min(spec.lastKey, args.length - 1);
    for (let i = spec.firstKey; i <= last; i += spec.step) {
      const key = args[i];
      if (key === undefined) break;
      if (!u.mayAccess(argBytes(key), write)) {
        return { ok: false, reason: 'key', command: id, key: argText(key), error: RESP_ERRORS.nopermKey };
      }
    }
    return ACL_OK;
  }

  /**
   * May `user` run `command` (`set`, or `acl|whoami` / `acl whoami`) on exactly these `keys`?
   * The form for callers that already know the keys (the argv form is {@link AclEngine.check}).
   * An unknown command is refused (`NOPERM`), unlike in `check`.
   */
  checkCommand(user: AclUser | string, command: string, keys: readonly AclArg[] = []): AclDecision {
    const u = typeof user === 'string' ? this.#users.get(user) : user;
    const id = command.toLowerCase().replace(' ', '|');
    const spec = this.commands.get(id);
    if (spec?.noAuth === true) return ACL_OK;
    if (spec === undefined || u === undefined || !u.mayRun(id)) return { ok: false, reason: 'command', command: id, error: nopermCommand(id) };
    if (u.allKeys) return ACL_OK;
    const write = spec.categories.includes('write');
    for (const key of keys) {
      if (!u.mayAccess(argBytes(key), write)) return { ok: false, reason: 'key', command: id, key: argText(key), error: RESP_ERRORS.nopermKey };
    }
    return ACL_OK;
  }

  #defaultUser(): AclUser {
    const u = new AclUser('default');
    for (const r of ['on', 'nopass', '~*', '&*', '+@all']) u.apply(r, this.commands);
    return u;
  }
}
