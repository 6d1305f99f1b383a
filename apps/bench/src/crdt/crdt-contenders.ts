import * as A from '@automerge/automerge';
import { TextCrdt } from '@shn/crdt';
import * as Y from 'yjs';
import type { TracePatch } from './replay-trace.js';

/** A text CRDT library driven through the same four steps by the crdt bench. */
export interface TextContender {
  /** Applies every patch as a local edit (one transaction/change per patch). */
  replay(patches: readonly TracePatch[]): void;
  /** The current text. */
  text(): string;
  /** The whole document in the library's own binary form. */
  save(): Uint8Array;
  /** Loads bytes from `save` into a fresh document and returns its text. */
  load(bytes: Uint8Array): string;
}

/** `@shn/crdt`'s TextCrdt; ops are collected (as an app would) and taken every 1 000 edits. */
export function shnContender(): TextContender {
  let doc = new TextCrdt('bench');
  return {
    replay(patches) {
      doc = new TextCrdt('bench');
      let n = 0;
      for (const [pos, del, ins] of patches) {
        if (del > 0) doc.delete(pos, del);
        if (ins.length > 0) doc.insert(pos, ins);
        if (++n % 1000 === 0) doc.takeOps();
      }
      doc.takeOps();
    },
    text: () => doc.toString(),
    save: () => doc.encodeState(),
    load: (bytes) => TextCrdt.decodeState(bytes, 'loaded').toString(),
  };
}

/** Yjs: one `Y.Text`, one implicit transaction per edit; `encodeStateAsUpdate` (V1, the default). */
export function yjsContender(): TextContender {
  let doc = new Y.Doc();
  return {
    replay(patches) {
      doc = new Y.Doc();
      const t = doc.getText('text');
      for (const [pos, del, ins] of patches) {
        if (del > 0) t.delete(pos, del);
        if (ins.length > 0) t.insert(pos, ins);
      }
    },
    text: () => doc.getText('text').toString(),
    save: () => Y.encodeStateAsUpdate(doc),
    load: (bytes) => {
      const d = new Y.Doc();
      Y.applyUpdate(d, bytes);
      return d.getText('text').toString();
    },
  };
}

/** Yjs with its V2 (columnar) update encoding, for size and load time only. */
export function yjsV2Contender(): TextContender {
  const base = yjsContender();
  let doc: Y.Doc | null = null;
  return {
    replay(patches) {
      doc = new Y.Doc();
      const t = doc.getText('text');
      for (const [pos, del, ins] of patches) {
        if (del > 0) t.delete(pos, del);
        if (ins.length > 0) t.insert(pos, ins);
      }
    },
    text: () => doc?.getText('text').toString() ?? base.text(),
    save: () => Y.encodeStateAsUpdateV2(doc ?? new Y.Doc()),
    load: (bytes) => {
      const d = new Y.Doc();
      Y.applyUpdateV2(d, bytes);
      return d.getText('text').toString();
    },
  };
}

/** Automerge 3: a `text` field edited with `splice`, one `change` per edit; `save`/`load`. */
export function automergeContender(): TextContender {
  let doc = A.from<{ text: string }>({ text: '' });
  return {
    replay(patches) {
      doc = A.from<{ text: string }>({ text: '' });
      for (const [pos, del, ins] of patches) {
        doc = A.change(doc, (d) => {
          A.splice(d, ['text'], pos, del, ins);
        });
      }
    },
    text: () => doc.text,
    save: () => A.save(doc),
    load: (bytes) => A.load<{ text: string }>(bytes).text,
  };
}

/** The contenders by name, as the child process selects them. */
export const contenders: Readonly<Record<string, () => TextContender>> = {
  shn: shnContender,
  yjs: yjsContender,
  yjsV2: yjsV2Contender,
  automerge: automergeContender,
};
