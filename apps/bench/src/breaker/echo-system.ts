/**
 * The unguarded system module of the breaker bench: one per-shard `echo` actor that answers an
 * ask with its body. Imported by every shard worker and the main thread; starts nothing.
 */
import { defineSystem } from '@shn/core';

export default defineSystem({ kinds: { echo: { mode: 'per-shard', factory: () => ({ receive: (env) => env.body }) } } });
