import type { Logger } from '@shn/core';

const noop = (): void => {};

/** A {@link Logger} that discards everything; the default when no logger is supplied. */
export const silentLogger: Logger = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });
