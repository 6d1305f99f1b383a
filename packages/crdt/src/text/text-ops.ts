/** The id of one character of a text CRDT: the `seq`-th character (from 0) inserted by `replica`. */
export interface TextId {
  readonly replica: string;
  readonly seq: number;
}

/**
 * Inserts `text` as the characters `(replica, seq) .. (replica, seq + text.length - 1)`.
 * `left` is the character it was typed after (null = document start) and `right` the item
 * that followed it at that moment (null = document end); later characters of the same op
 * have the previous character as their left origin and share `right` (YATA run semantics).
 */
export interface TextInsertOp {
  readonly kind: 'insert';
  readonly replica: string;
  readonly seq: number;
  readonly left: TextId | null;
  readonly right: TextId | null;
  readonly text: string;
}

/** A range of character ids `(replica, seq) .. (replica, seq + len - 1)`. */
export interface TextIdRange {
  readonly replica: string;
  readonly seq: number;
  readonly len: number;
}

/** Deletes every character in `ranges` (deleting an already deleted character is a no-op). */
export interface TextDeleteOp {
  readonly kind: 'delete';
  readonly ranges: readonly TextIdRange[];
}

/** An operation of the text CRDT, as emitted by {@link TextCrdt.takeOps} and applied by `applyOp`. */
export type TextOp = TextInsertOp | TextDeleteOp;
