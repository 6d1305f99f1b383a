/** Resolves after the event loop's next check phase (`setImmediate`): lets a full ring drain while a sender waits. */
export const yieldBriefly = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));
