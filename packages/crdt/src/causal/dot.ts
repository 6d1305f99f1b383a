/**
 * A dot: the `n`-th event (n >= 1) issued by replica `r`. Dots name the individual adds of
 * observed-remove types, so a remove can say exactly which adds it has seen.
 */
export interface Dot {
  /** The replica id that issued the event. */
  readonly r: string;
  /** The event's sequence number at that replica, starting at 1. */
  readonly n: number;
}

/** Total order on dots: by replica id, then by sequence number. Used to keep states canonical. */
export function compareDots(a: Dot, b: Dot): number {
  if (a.r !== b.r) return a.r < b.r ? -1 : 1;
  return a.n - b.n;
}

/** True if `dots` (a small array) holds a dot equal to `d`. */
export function hasDot(dots: readonly Dot[], d: Dot): boolean {
  for (const x of dots) if (x.n === d.n && x.r === d.r) return true;
  return false;
}
