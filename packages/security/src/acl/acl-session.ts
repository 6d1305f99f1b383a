import { randomBytes } from 'node:crypto';
import { isShnError } from '@shn/core';
import type { AclArg, AclEngine } from './acl-engine.js';
import { RESP_ERRORS } from './acl-errors.js';
import type { AclReply } from './acl-reply.js';
import { ACL_CATEGORIES } from './command-table.js';

function text(a: AclArg | undefined): string {
  if (a === undefined) return '';
  return typeof a === 'string' ? a : Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('latin1');
}

const bulk = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const err = (message: string): AclReply => ({ err: message });
const arity = (cmd: string): AclReply => err(`ERR wrong number of arguments for '${cmd}' command`);

const ACL_HELP = [
  'ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all configured users.',
  'WHOAMI',
  '    Return the current connection username.',
  'HELP',
  '    Print this help.',
];

/**
 * The authentication state of one connection, and the gate every command passes first.
 *
 * A new session is authenticated as `default` when the default user is `on` and `nopass`
 * (Redis's behaviour without `requirepass`); otherwise only AUTH, HELLO and QUIT pass until an
 * `AUTH` succeeds. A session whose user is deleted or turned `off` is unauthenticated again.
 */
export class AclSession {
  #user: string | undefined;

  /** @param engine - the users and rules this connection is checked against (shared, live). */
  constructor(readonly engine: AclEngine) {
    const d = engine.getUser('default');
    this.#user = d !== undefined && d.enabled && d.nopass ? 'default' : undefined;
  }

  /** The authenticated user name, or undefined. */
  get user(): string | undefined {
    const u = this.#user === undefined ? undefined : this.engine.getUser(this.#user);
    if (u === undefined || !u.enabled) this.#user = undefined;
    return this.#user;
  }

  /**
   * Call before executing each command (`args[0]` is its name). Returns `undefined` when the
   * command may run, or the reply to send instead: Redis's NOAUTH/NOPERM errors, or the answer
   * to AUTH and ACL (which the session executes itself). Never throws.
   */
  gate(args: readonly AclArg[]): AclReply | undefined {
    const name = text(args[0]).toLowerCase();
    if (name === 'auth') return this.#auth(args);
    const user = this.user;
    if (user === undefined) {
      if (name === 'quit' || name === 'hello') return undefined;
      return err(RESP_ERRORS.noauth);
    }
    const decision = this.engine.check(user, args);
    if (!decision.ok) return err(decision.error);
    if (name === 'acl') return this.#acl(args, user);
    return undefined;
  }

  #auth(args: readonly AclArg[]): AclReply {
    if (args.length < 2) return arity('auth');
    if (args.length > 3) return err('ERR syntax error');
    let username = 'default';
    let password = args[1] as AclArg;
    if (args.length === 3) {
      username = text(args[1]);
      password = args[2] as AclArg;
    } else {
      const d = this.engine.getUser('default');
      if (d !== undefined && d.nopass) return err(RESP_ERRORS.authWithoutPassword);
    }
    const r = this.engine.authenticate(username, password);
    if (!r.ok) return err(r.error);
    this.#user = r.user;
    return 'OK';
  }

  #acl(args: readonly AclArg[], user: string): AclReply {
    const sub = text(args[1]).toLowerCase();
    const e = this.engine;
    try {
      switch (sub) {
        case 'whoami':
          return args.length === 2 ? bulk(user) : arity('acl|whoami');
        case 'list':
          return args.length === 2 ? e.list().map(bulk) : arity('acl|list');
        case 'users':
          return args.length === 2 ? e.userNames().sort().map(bulk) : arity('acl|users');
        case 'setuser':
          if (args.length < 3) return arity('acl|setuser');
          e.setUser(text(args[2]), args.slice(3).map(text));
          return 'OK';
        case 'deluser':
          if (args.length < 3) return arity('acl|deluser');
          return e.deleteUser(...args.slice(2).map(text));
        case 'cat': {
          if (args.length === 2) return ACL_CATEGORIES.map(bulk);
          if (args.length !== 3) return arity('acl|cat');
          const cat = text(args[2]).toLowerCase();
          const ids = e.commands.category(cat);
          return ids === undefined ? err(`ERR Unknown category '${cat}'`) : ids.map(bulk);
        }
        case 'genpass': {
          const bits = args.length >= 3 ? Number(text(args[2])) : 256;
          if (!Number.isInteger(bits) || bits <= 0 || bits > 4096) return err('ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096');
          return bulk(randomBytes(Math.ceil(bits / 8)).toString('hex').slice(0, Math.ceil(bits / 4)));
        }
        case 'dryrun': {
          if (args.length < 4) return arity('acl|dryrun');
          const target = text(args[2]);
          if (e.getUser(target) === undefined) return err(`ERR User '${target}' not found`);
          const d = e.check(target, args.slice(3));
          if (d.ok) return 'OK';
          return bulk(
            d.reason === 'command'
              ? `This user has no permissions to run the '${d.command}' command`
              : `This user has no permissions to access the '${d.key ?? ''}' key`,
          );
        }
        case 'help':
          return ACL_HELP.map((l) => l);
        case 'load':
        case 'save':
          return err(
            'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.',
          );
        default:
          return err(`ERR unknown subcommand '${text(args[1])}'. Try ACL HELP.`);
      }
    } catch (x) {
      return err(isShnError(x) ? x.message : `ERR ${String(x)}`);
    }
  }
}
