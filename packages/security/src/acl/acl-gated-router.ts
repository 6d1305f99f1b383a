import type { AclEngine } from './acl-engine.js';
import type { AclReply } from './acl-reply.js';
import { AclSession } from './acl-session.js';

/** Anything that executes a parsed command for a connection's session object (shn-kv's `CommandRouter`). */
export interface CommandRouterLike<S extends object, R> {
  execute(args: Buffer[], session: S): R;
}

/**
 * Wraps a command router so every command first passes the connection's {@link AclSession}
 * (made on the connection's first command and keyed by its session object): NOAUTH, WRONGPASS,
 * NOPERM, `AUTH` and `ACL` are answered here; everything else reaches `inner` unchanged.
 * `acl` may be changed at run time (ACL SETUSER from any connection applies to all).
 */
export function aclGatedRouter<S extends object, R>(inner: CommandRouterLike<S, R>, acl: AclEngine): CommandRouterLike<S, R | AclReply> & { sessionOf(session: S): AclSession } {
  const sessions = new WeakMap<S, AclSession>();
  const sessionOf = (session: S): AclSession => {
    let s = sessions.get(session);
    if (s === undefined) {
      s = new AclSession(acl);
      sessions.set(session, s);
    }
    return s;
  };
  return {
    sessionOf,
    execute(args: Buffer[], session: S): R | AclReply {
      const refused = sessionOf(session).gate(args);
      return refused === undefined ? inner.execute(args, session) : refused;
    },
  };
}
