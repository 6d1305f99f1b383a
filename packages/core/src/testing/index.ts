/**
 * @packageDocumentation
 * `@shn/core/testing`: conformance suites every implementation of a contract interface runs
 * in its own vitest tests, plus small test helpers. Needs the optional peer dependencies
 * `vitest` and `fast-check`; never import it from production code.
 *
 * ```ts
 * import { storeSuite } from '@shn/core/testing';
 * storeSuite('FileStore', { create: () => fileStore(tmpDir()), cleanup: (s) => rm(s) });
 * ```
 */
export { mailboxSuite } from './mailbox-suite.js';
export type { MailboxSuiteOptions } from './mailbox-suite.js';
export { storeSuite, TRICKY_STORE_KEYS } from './store-suite.js';
export type { StoreSuiteOptions } from './store-suite.js';
export { transportSuite } from './transport-suite.js';
export type { TransportSuiteOptions } from './transport-suite.js';
export { codecSuite } from './codec-suite.js';
export type { CodecSuiteOptions } from './codec-suite.js';
export { memoryTransportPair } from './memory-transport.js';
export type { MemoryTransportOptions } from './memory-transport.js';
export { addressArbitrary, envelopeArbitrary, headersArbitrary, trickyStringArbitrary } from './envelope-arbitrary.js';
