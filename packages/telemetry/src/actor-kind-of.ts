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
 * same kind costs a prefix comparison instead of a slice.
 */
export class KindCache {
  #kind = '';

  /** The kind of `actor`. */
  of(actor: string): string {
    const k = this.#kind;
    if (k.length > 0 && actor.length > k.length && actor.charCodeAt(k.length) === 47 && actor.startsWith(k)) return k;
    this.#kind = actorKindOf(actor);
    return this.#kind;
  }
}
