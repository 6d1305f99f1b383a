import { createHash } from 'node:crypto';
import { redisGlobMatch } from './redis-glob.js';
import type { CommandIndex } from './command-index.js';

/** A key pattern of a user: `~p` (read and write), `%R~p`, `%W~p` or `%RW~p`. */
export interface AclKeyPattern {
  readonly text: string;
  readonly bytes: Uint8Array;
  readonly read: boolean;
  readonly write: boolean;
}

/** Thrown by {@link AclUser.apply} with Redis's reason text; the engine turns it into a typed error. */
export class AclRuleError extends Error {
  /** @param rule - the offending rule; @param why - Redis's wording of the problem. */
  constructor(
    readonly rule: string,
    readonly why: string,
  ) {
    super(why);
  }
}

const HEX64 = /^[0-9a-f]{64}$/;

/** SHA-256 of a password, as Redis stores it. */
export function passwordHash(password: string | Uint8Array): Buffer {
  return createHash('sha256').update(password).digest();
}

/**
 * One ACL user: enabled flag, password hashes, allowed commands and key patterns. Mutated only
 * through {@link AclUser.apply}, one Redis rule at a time; the engine applies a whole SETUSER
 * to a copy, so a bad rule leaves the user unchanged.
 */
export class AclUser {
  /** `on` / `off`: a disabled user cannot authenticate. */
  enabled = false;
  /** `nopass`: any password authenticates the user. */
  nopass = false;
  /** SHA-256 digests of the user's passwords (32 bytes each). */
  passwords: Buffer[] = [];
  /** `+@all` is in force (no command removed since). */
  allCommands = false;
  /** Command ids the user may run (`get`, `acl|whoami`). */
  allowed = new Set<string>();
  /** Normalised command rules, for ACL LIST (`-@all` first unless `+@all`). */
  commandRules: string[] = ['-@all'];
  /** `allkeys` / `~*`: every key is accessible. */
  allKeys = false;
  /** Key patterns, in the order given. */
  keyPatterns: AclKeyPattern[] = [];
  /** `allchannels` / `&*` (listed only: shn-kv has no pub/sub). */
  allChannels = false;
  /** Channel patterns (listed only). */
  channelPatterns: string[] = [];

  /** @param name - the user name (no spaces). */
  constructor(readonly name: string) {}

  /** A deep copy. */
  clone(): AclUser {
    const u = new AclUser(this.name);
    u.enabled = this.enabled;
    u.nopass = this.nopass;
    u.passwords = [...this.passwords];
    u.allCommands = this.allCommands;
    u.allowed = new Set(this.allowed);
    u.commandRules = [...this.commandRules];
    u.allKeys = this.allKeys;
    u.keyPatterns = [...this.keyPatterns];
    u.allChannels = this.allChannels;
    u.channelPatterns = [...this.channelPatterns];
    return u;
  }

  /**
   * Applies one rule in Redis's ACL SETUSER syntax.
   * @throws AclRuleError with Redis's wording when the rule is malformed or names an unknown command or category.
   */
  apply(rule: string, index: CommandIndex): void {
    if (rule === 'on') this.enabled = true;
    else if (rule === 'off') this.enabled = false;
    else if (rule === 'nopass') {
      this.nopass = true;
      this.passwords = [];
    } else if (rule === 'resetpass') {
      this.nopass = false;
      this.passwords = [];
    } else if (rule.startsWith('>')) this.#addHash(passwordHash(rule.slice(1)));
    else if (rule.startsWith('<')) this.#removeHash(rule, passwordHash(rule.slice(1)));
    else if (rule.startsWith('#') || rule.startsWith('!')) {
      const hex = rule.slice(1);
      if (!HEX64.test(hex)) {
        throw new AclRuleError(rule, 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters');
      }
      if (rule.startsWith('#')) this.#addHash(Buffer.from(hex, 'hex'));
      else this.#removeHash(rule, Buffer.from(hex, 'hex'));
    } else if (rule === 'allkeys' || rule === '~*') {
      this.allKeys = true;
      this.keyPatterns = [];
    } else if (rule === 'resetkeys') {
      this.allKeys = false;
      this.keyPatterns = [];
    } else if (rule.startsWith('~') || rule.startsWith('%')) this.#addKeyPattern(rule);
    else if (rule === 'allchannels' || rule === '&*') {
      this.allChannels = true;
      this.channelPatterns = [];
    } else if (rule === 'resetchannels') {
      this.allChannels = false;
      this.channelPatterns = [];
    } else if (rule.startsWith('&')) {
      if (!this.allChannels && !this.channelPatterns.includes(rule.slice(1))) this.channelPatterns.push(rule.slice(1));
    } else if (rule === 'allcommands' || rule === '+@all') {
      this.allCommands = true;
      this.allowed = new Set(index.allIds());
      this.commandRules = ['+@all'];
    } else if (rule === 'nocommands' || rule === '-@all') {
      this.allCommands = false;
      this.allowed.clear();
      this.commandRules = ['-@all'];
    } else if (rule.startsWith('+') || rule.startsWith('-')) this.#commandRule(rule, index);
    else if (rule === 'reset') {
      for (const r of ['resetpass', 'resetkeys', 'resetchannels', 'off', '-@all']) this.apply(r, index);
    } else if (rule === 'sanitize-payload' || rule === 'skip-sanitize-payload') {
      // Accepted for aclfile compatibility; shn-kv has no RESTORE, so there is nothing to sanitise.
    } else if (rule.startsWith('(')) {
      throw new AclRuleError(rule, 'Selectors are not supported by shn');
    } else {
      throw new AclRuleError(rule, 'Syntax error');
    }
  }

  /** True if the user may run the command with id `id` (`get`, `acl|whoami`). */
  mayRun(id: string): boolean {
    return this.allCommands || this.allowed.has(id);
  }

  /** True if `key` matches one of the user's patterns for the access (`write` for write commands). */
  mayAccess(key: Uint8Array, write: boolean): boolean {
    if (this.allKeys) return true;
    for (const p of this.keyPatterns) {
      if ((write ? p.write : p.read) && redisGlobMatch(p.bytes, key)) return true;
    }
    return false;
  }

  /** The user as one `ACL LIST` line. */
  describe(): string {
    const parts = ['user', this.name, this.enabled ? 'on' : 'off'];
    if (this.nopass) parts.push('nopass');
    for (const h of this.passwords) parts.push(`#${h.toString('hex')}`);
    if (this.allKeys) parts.push('~*');
    for (const p of this.keyPatterns) parts.push(`${p.read && p.write ? '' : p.read ? '%R' : '%W'}~${p.text}`);
    if (this.allChannels) parts.push('&*');
    else parts.push('resetchannels', ...this.channelPatterns.map((c) => `&${c}`));
    parts.push(...this.commandRules);
    return parts.join(' ');
  }

  #addHash(hash: Buffer): void {
    this.nopass = false;
    if (!this.passwords.some((h) => h.equals(hash))) this.passwords.push(hash);
  }

  #removeHash(rule: string, hash: Buffer): void {
    const before = this.passwords.length;
    this.passwords = this.passwords.filter((h) => !h.equals(hash));
    if (this.passwords.length === before) throw new AclRuleError(rule, 'no such password');
    this.nopass = false;
  }

  #addKeyPattern(rule: string): void {
    let read = true;
    let write = true;
    let text: string;
    if (rule.startsWith('%')) {
      const tilde = rule.indexOf('~');
      const flags = tilde < 0 ? '' : rule.slice(1, tilde);
      if (tilde < 0 || flags.length === 0 || /[^RW]/.test(flags)) throw new AclRuleError(rule, 'Syntax error');
      read = flags.includes('R');
      write = flags.includes('W');
      text = rule.slice(tilde + 1);
    } else {
      text = rule.slice(1);
    }
    if (this.allKeys) {
      throw new AclRuleError(
        rule,
        "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
      );
    }
    if (text === '*' && read && write) {
      this.allKeys = true;
      this.keyPatterns = [];
      return;
    }
    const existing = this.keyPatterns.findIndex((p) => p.text === text);
    const merged = existing < 0 ? { read, write } : { read: read || this.keyPatterns[existing]!.read, write: write || this.keyPatterns[existing]!.write };
    const pattern: AclKeyPattern = { text, bytes: Buffer.from(text, 'utf8'), ...merged };
    if (existing < 0) this.keyPatterns.push(pattern);
    else this.keyPatterns[existing] = pattern;
  }

  #commandRule(rule: string, index: CommandIndex): void {
    const add = rule.startsWith('+');
    const target = rule.slice(1).toLowerCase();
    let ids: readonly string[];
    if (target.startsWith('@')) {
      const inCat = index.category(target.slice(1));
      if (inCat === undefined) throw new AclRuleError(rule, 'Unknown command or category name in ACL');
      ids = inCat;
    } else {
      const withSubs = index.withSubcommands(target);
      if (withSubs === undefined) throw new AclRuleError(rule, 'Unknown command or category name in ACL');
      ids = withSubs;
    }
    for (const id of ids) {
      if (add) this.allowed.add(id);
      else this.allowed.delete(id);
    }
    if (!add) this.allCommands = false;
    const normalised = `${add ? '+' : '-'}${target}`;
    this.commandRules = this.commandRules.filter((r, i) => i === 0 || r.slice(1) !== target);
    this.commandRules.push(normalised);
  }
}
