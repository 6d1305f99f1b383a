import { ShnError } from '@shn/core';
import { ACL_CATEGORIES, checkCommandSpec } from './command-table.js';
import type { AclCommandSpec } from './command-table.js';

/** The command table of an ACL engine, indexed by name, container and category. */
export class CommandIndex {
  readonly #byId = new Map<string, AclCommandSpec>();
  readonly #containers = new Set<string>();
  readonly #byCategory = new Map<string, string[]>();

  /** @throws ShnError `INVALID_ARGUMENT` for a malformed spec. */
  constructor(specs: readonly AclCommandSpec[]) {
    for (const c of ACL_CATEGORIES) this.#byCategory.set(c, []);
    for (const s of specs) {
      checkCommandSpec(s);
      this.#byId.set(s.name, s);
      const bar = s.name.indexOf('|');
      if (bar > 0) this.#containers.add(s.name.slice(0, bar));
    }
    for (const [id, s] of this.#byId) for (const c of s.categories) this.#byCategory.get(c)?.push(id);
    for (const container of this.#containers) {
      if (!this.#byId.has(container)) {
        throw new ShnError('INVALID_ARGUMENT', `ACL command table has subcommands of ${container} but no ${container} entry`);
      }
    }
  }

  /** Every command id. */
  allIds(): IterableIterator<string> {
    return this.#byId.keys();
  }

  /** The spec for an id, if known. */
  get(id: string): AclCommandSpec | undefined {
    return this.#byId.get(id);
  }

  /** True if `name` has subcommands (`acl`, `client`, ...). */
  isContainer(name: string): boolean {
    return this.#containers.has(name);
  }

  /** The ids in a category, or undefined for an unknown category. */
  category(name: string): readonly string[] | undefined {
    return this.#byCategory.get(name);
  }

  /** `name` and all its subcommands (`client` → client, client|id, ...), or undefined if unknown. */
  withSubcommands(name: string): readonly string[] | undefined {
    if (!this.#byId.has(name)) return undefined;
    if (name.includes('|') || !this.#containers.has(name)) return [name];
    return [...this.#byId.keys()].filter((id) => id === name || id.startsWith(`${name}|`));
  }
}
