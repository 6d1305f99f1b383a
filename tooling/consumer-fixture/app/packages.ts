// Every package added after the first four, used as its README shows, so that its published
// types are checked too (skipLibCheck is off) under TypeScript 6.0 and 7.x.
import { breakerGroup, resilienceMiddleware } from '@shn/breaker';
import { FileStore } from '@shn/checkpoint';
import { MemoryRaftStorage, RawNode } from '@shn/raft';
import { PriorityRunQueue } from '@shn/scheduler';
import { TokenBucket } from '@shn/backpressure';
import { AclEngine } from '@shn/security';
import { makeTestPki, opensslAvailable } from '@shn/security/testing';
import type { TestPki } from '@shn/security/testing';
import { createTelemetry } from '@shn/telemetry';
import type { Middleware, Store } from '@shn/core';

export const breakers = breakerGroup({ minimumCalls: 20, failureRateThreshold: 0.5 });
export const guard: Middleware = resilienceMiddleware({ policy: breakers });
export const store: Store = new FileStore('/tmp/shn-consumer-store');
const storage = new MemoryRaftStorage();
storage.bootstrap({ voters: ['a'], votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false });
export const node = new RawNode({ id: 'a', storage });
export const queue = new PriorityRunQueue();
export const limiter = new TokenBucket({ ratePerSec: 100, burst: 10 });
export const acl = new AclEngine({ requirePass: 'secret' });
export const pki: TestPki | undefined = opensslAvailable() ? makeTestPki() : undefined;
pki?.cleanup();
export const telemetry = createTelemetry();
