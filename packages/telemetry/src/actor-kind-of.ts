/**
 * The kind part of an actor name `kind/id` (the whole string when it has no `/`). Metrics and
 * span names use the kind, never the id, so label cardinality stays bounded.
 */
export function actorKindOf(actor: string): string {
  const slash = actor.indexOf('/');
  return slash < 0 ? actor : actor.slice(0, slash);
}

/**
 * Remembers the kind of the last actor name seen, so that a run of messages to actors of the
 * same kind costs a comparison of the kind's characters instead of a slice (a character loop:
 * `startsWith` costs several times more on short strings).
 */
export class KindCache {
  #kind = '';

  /** The kind of `actor`. */
  of(actor: string): string {
    const k = this.#kind;
    const n = k.length;
    if (n > 0 && actor.length > n && actor.charCodeAt(n) === 47) {
      let i = 0;
      while (i < n && actor.charCodeAt(i) === k.charCodeAt(i)) i++;
      if (i === n) return k;
    }
    this.#kind = actorKindOf(actor);
    return this.#kind;
  }
}
