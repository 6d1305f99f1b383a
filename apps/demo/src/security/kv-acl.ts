import { readFileSync } from 'node:fs';
import { ShnError, isShnError } from '@shn/core';
import { AclEngine, RESP_ERRORS, aclGatedRouter, type AclCategory, type AclCommandSpec } from '@shn/security';
import { DATA_COMMANDS } from '../kv/data-commands.js';
import { CRDT_COMMANDS } from '../crdt/crdt-commands.js';
import { SERVER_COMMANDS } from '../kv/server-commands.js';
import type { CommandRouter } from '../kv/command-executor.js';
import type { CommandSpec } from '../kv/command-spec.js';
import { errorReply, type Reply } from '../resp/reply.js';

/**
 * The ACL configuration every thread that parses RESP builds its own {@link AclEngine} from:
 * plain strings, so it travels to the shard threads in the `listen` request unchanged.
 */
export interface KvAclConfig {
  /** `--requirepass`: the default user's password. */
  readonly requirePass?: string;
  /** The text of `--aclfile` (read once, at start). */
  readonly aclFileText?: string;
  /** Where the aclfile was read from (for messages). */
  readonly aclFilePath?: string;
}

/**
 * Reads `--aclfile` and checks the whole configuration by building an engine once, so a bad
 * file or rule fails at start rather than on a shard.
 * Returns undefined when neither `requirePass` nor `aclFile` is given (no AUTH gate at all).
 * @throws ShnError `INVALID_ARGUMENT` naming the unreadable file or the bad rule.
 */
export function loadKvAclConfig(options: { readonly requirePass?: string; readonly aclFile?: string }): KvAclConfig | undefined {
  if (options.requirePass === undefined && options.aclFile === undefined) return undefined;
  let aclFileText: string | undefined;
  if (options.aclFile !== undefined) {
    try {
      aclFileText = readFileSync(options.aclFile, 'utf8');
    } catch (cause) {
      throw new ShnError('INVALID_ARGUMENT', `cannot read aclfile ${options.aclFile}: ${(cause as Error).message}`, { cause });
    }
  }
  const config: KvAclConfig = {
    ...(options.requirePass === undefined ? {} : { requirePass: options.requirePass }),
    ...(aclFileText === undefined ? {} : { aclFileText, aclFilePath: options.aclFile }),
  };
  kvAclEngine(config);
  return config;
}

/**
 * Builds the engine for one thread: Redis's command table plus every shn-kv command it lacks
 * (categorised from the command's flags: `write` → `@write`, `readonly` → `@read`, `admin`
 * → `@admin @dangerous`), so no shn-kv command escapes the ACL as "unknown".
 * @throws ShnError `INVALID_ARGUMENT` for a bad aclfile line or password.
 */
export function kvAclEngine(config: KvAclConfig): AclEngine {
  try {
    return new AclEngine({
      commands: extraCommandSpecs(),
      ...(config.requirePass === undefined ? {} : { requirePass: config.requirePass }),
      ...(config.aclFileText === undefined ? {} : { aclFile: config.aclFileText }),
    });
  } catch (err) {
    if (isShnError(err) && config.aclFilePath !== undefined) {
      throw new ShnError(err.code, `aclfile ${config.aclFilePath}: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

let extra: AclCommandSpec[] | undefined;

/** ACL specs for the shn-kv commands the package's table does not know. */
export function extraCommandSpecs(): readonly AclCommandSpec[] {
  if (extra !== undefined) return extra;
  const known = new AclEngine();
  extra = [];
  for (const spec of [...DATA_COMMANDS, ...CRDT_COMMANDS, ...SERVER_COMMANDS]) {
    if (known.commands.get(spec.name) === undefined) extra.push(aclSpecOf(spec));
  }
  return extra;
}

function aclSpecOf(spec: CommandSpec): AclCommandSpec {
  const cats = new Set<AclCategory>(['slow']);
  if (spec.flags.includes('write')) cats.add('write');
  if (spec.flags.includes('readonly')) cats.add('read');
  if (spec.flags.includes('admin') || spec.flags.includes('dangerous')) {
    cats.add('admin');
    cats.add('dangerous');
  }
  if (cats.size === 1) cats.add('dangerous'); // neither read nor write: only +@all or +<name> allow it
  return { name: spec.name, categories: [...cats], firstKey: spec.firstKey, lastKey: spec.lastKey, step: spec.step };
}

const RUNTIME_USER_CHANGES: ReadonlySet<string> = new Set(['setuser', 'deluser']);

/**
 * Wraps a command router with the ACL gate (one `AclSession` per connection): NOAUTH before
 * AUTH, WRONGPASS, NOPERM for commands and keys, `AUTH`, `ACL WHOAMI/LIST/USERS/CAT/DRYRUN/
 * GENPASS`, and `HELLO 2 AUTH <user> <pass>`. `ACL SETUSER` and `ACL DELUSER` are refused (after the same NOAUTH/NOPERM checks):
 * in shard-owned mode every shard thread has its own engine, so a change on one connection
 * would not reach the others; users come from `--aclfile` and `--requirepass` only.
 * Returns `router` itself when `config` is undefined.
 */
export function aclGate(router: CommandRouter, config: KvAclConfig | undefined): CommandRouter {
  if (config === undefined) return router;
  const engine = kvAclEngine(config);
  const gated = aclGatedRouter<Parameters<CommandRouter['execute']>[1], Reply | Promise<Reply>>(router, engine);
  return {
    execute(args, session) {
      const sub = args.length >= 2 && args[0]!.length === 3 ? args[1]!.toString('latin1').toLowerCase() : '';
      if (RUNTIME_USER_CHANGES.has(sub) && args[0]!.toString('latin1').toLowerCase() === 'acl') {
        const user = gated.sessionOf(session).user;
        if (user === undefined) return errorReply(RESP_ERRORS.noauth);
        const decision = engine.check(user, args);
        if (!decision.ok) return errorReply(decision.error);
        return errorReply(`ERR ACL ${sub.toUpperCase()} is not supported by shn-kv: users come from --aclfile and --requirepass at start`);
      }
      if (args.length >= 5 && args[0]!.length === 5 && args[0]!.toString('latin1').toLowerCase() === 'hello') {
        // HELLO <proto> AUTH <user> <pass>: authenticate first, as Redis does (WRONGPASS stops it).
        const at = args.findIndex((a, i) => i >= 2 && a.length === 4 && a.toString('latin1').toUpperCase() === 'AUTH');
        if (at >= 2 && at + 2 < args.length) {
          const authed = gated.execute([Buffer.from('AUTH'), args[at + 1]!, args[at + 2]!], session);
          if (authed !== 'OK') return authed;
        }
      }
      return gated.execute(args, session);
    },
  };
}
