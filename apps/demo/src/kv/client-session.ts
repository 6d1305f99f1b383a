/** Per-connection state the command layer reads and updates (CLIENT SETNAME, QUIT, ...). */
export interface ClientSession {
  /** Unique, increasing connection id (CLIENT ID). */
  readonly id: number;
  /** Peer address `ip:port`, for CLIENT INFO / LIST. */
  readonly addr: string;
  /** Name set by CLIENT SETNAME, or undefined. */
  name: Buffer | undefined;
  /** Library name/version set by CLIENT SETINFO. */
  libName: string | undefined;
  libVersion: string | undefined;
  /** The shard thread serving this connection (shard-owned mode), or undefined (main-thread gateway). */
  shard?: number;
  /** Set by QUIT: the connection replies, then closes, and parses nothing more. */
  closeAfterReply: boolean;
}

/** Creates a fresh session. */
export function createClientSession(id: number, addr = '127.0.0.1:0'): ClientSession {
  return { id, addr, name: undefined, libName: undefined, libVersion: undefined, closeAfterReply: false };
}
