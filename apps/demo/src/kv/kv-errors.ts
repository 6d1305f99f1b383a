import { errorReply, type ErrorReply } from '../resp/reply.js';

/** Redis 7's exact error replies used by shn-kv (the text after `-`). */
export const KV_ERRORS = Object.freeze({
  syntax: 'ERR syntax error',
  notInteger: 'ERR value is not an integer or out of range',
  overflow: 'ERR increment or decrement would overflow',
  decrementOverflow: 'ERR decrement would overflow',
  /** Not reachable while every value is a string; kept for future types. */
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  dbIndexOutOfRange: 'ERR DB index is out of range',
  badClientName: 'ERR Client names cannot contain spaces, newlines or special characters.',
});

/** `ERR wrong number of arguments for 'get' command` (`name` as declared, e.g. `config|get`). */
export function wrongArity(name: string): ErrorReply {
  return errorReply(`ERR wrong number of arguments for '${name}' command`);
}

/** `ERR invalid expire time in 'set' command`. */
export function invalidExpire(name: string): ErrorReply {
  return errorReply(`ERR invalid expire time in '${name}' command`);
}

/**
 * Redis 7's unknown-command error: `ERR unknown command 'foo', with args beginning with: 'a' 'b' `.
 * Like Redis, the name is cut at 128 bytes and arguments are appended while the list is
 * shorter than 128 bytes, each cut to the room left; C strings end at NUL.
 */
export function unknownCommand(args: readonly Uint8Array[]): ErrorReply {
  const name = cString(args[0] ?? new Uint8Array(0)).slice(0, 128);
  let list = '';
  for (let i = 1; i < args.length && list.length < 128; i++) {
    list += `'${cString(args[i]!).slice(0, 128 - list.length)}' `;
  }
  return errorReply(`ERR unknown command '${name}', with args beginning with: ${list}`);
}

/** `ERR unknown subcommand 'foo'. Try CONFIG HELP.` */
export function unknownSubcommand(sub: Uint8Array, command: string): ErrorReply {
  return errorReply(`ERR unknown subcommand '${cString(sub).slice(0, 128)}'. Try ${command.toUpperCase()} HELP.`);
}

/** Bytes as Redis's `%s` prints them: up to the first NUL, one char per byte. */
function cString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return Buffer.from(bytes.buffer, bytes.byteOffset, nul < 0 ? bytes.length : nul).toString('latin1');
}
