/**
 * The slice of `@shn/core-mailbox`'s ring API the bench uses (SpscRing, Doorbell), typed
 * structurally and loaded at run time. The bench must build and run (reporting the ring row
 * as skipped) even while core-mailbox does not export the ring yet, so it does not import it
 * statically; the shapes below mirror core-mailbox's documented API.
 */

/** An SPSC byte ring over a SharedArrayBuffer (see core-mailbox's SpscRing). */
export interface SpscRingLike {
  readonly buffer: SharedArrayBuffer;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly maxFrameSize: number;
  readonly frameLength: number;
  reserve(length: number): number;
  commit(): void;
  publish(): boolean;
  peek(): number;
  consume(): void;
  release(): void;
  hasData(): boolean;
}

/** Wake-ups for one consuming thread (see core-mailbox's Doorbell). */
export interface DoorbellLike {
  readonly buffer: SharedArrayBuffer;
  ring(): void;
  wake(): void;
  wait(hasWork: () => boolean, options?: { timeoutMs?: number; unref?: boolean; spins?: number }): Promise<'work' | 'rung' | 'timeout'>;
}

/** The constructors the bench needs. */
export interface RingApi {
  readonly SpscRing: { create(capacity: number): SpscRingLike; attach(buffer: SharedArrayBuffer): SpscRingLike };
  readonly Doorbell: { create(): DoorbellLike; attach(buffer: SharedArrayBuffer): DoorbellLike };
}

/** The package the ring comes from; a variable so TypeScript does not resolve it statically. */
const CORE_MAILBOX = '@shn/core-mailbox';

/**
 * Imports `@shn/core-mailbox` and returns its ring API, or a string saying why it is not
 * available (package not built, or SpscRing/Doorbell not exported). Never throws.
 */
export async function loadRingApi(): Promise<RingApi | string> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(CORE_MAILBOX)) as Record<string, unknown>;
  } catch (e) {
    return `cannot import ${CORE_MAILBOX} (build packages/core-mailbox): ${(e as Error).message}`;
  }
  const { SpscRing, Doorbell } = mod;
  if (typeof SpscRing !== 'function' || typeof Doorbell !== 'function') {
    return `${CORE_MAILBOX} does not export SpscRing and Doorbell from its package index yet`;
  }
  return { SpscRing, Doorbell } as unknown as RingApi;
}
