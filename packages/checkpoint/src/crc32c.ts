/** CRC-32C lives in `@shn/core` (one implementation, shared with @shn/raft's WAL); re-exported for this package's users. */
export { crc32c } from '@shn/core';
