/**
 * Redis's own error replies for authentication and ACLs (as Redis 7.0 words them), without the
 * leading `-` of RESP. shn-kv sends exactly these so clients (redis-cli, ioredis) recognise them.
 */
export const RESP_ERRORS = Object.freeze({
  /** A command before AUTH when the connection is not authenticated. */
  noauth: 'NOAUTH Authentication required.',
  /** A wrong user/password pair, an unknown user or a disabled user (Redis never says which). */
  wrongpass: 'WRONGPASS invalid username-password pair or user is disabled.',
  /** `AUTH <password>` while the default user has no password. */
  authWithoutPassword:
    'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  /** The key part of a NOPERM refusal. */
  nopermKey: 'NOPERM this user has no permissions to access one of the keys used as arguments',
});

/** `NOPERM this user has no permissions to run the '<command>' command` (`command` like `set` or `acl|whoami`). */
export function nopermCommand(command: string): string {
  return `NOPERM this user has no permissions to run the '${command}' command`;
}

/** What ACL SETUSER answers for a bad rule: `ERR Error in ACL SETUSER modifier '<rule>': <why>`. */
export function setUserError(rule: string, why: string): string {
  return `ERR Error in ACL SETUSER modifier '${rule}': ${why}`;
}
