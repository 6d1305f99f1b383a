import { assertKind } from './address.js';
import type { Envelope } from './envelope.js';
import { ShnError } from './errors.js';

/**
 * The type of one field of a declared message: what {@link t} builds. Pure data, so a runtime can
 * compile it once into an encoder and decoder (`@shn/core-mailbox` writes it straight into ring
 * frames).
 */
export type FieldType =
  | { readonly kind: 'string' }
  | { readonly kind: 'bytes' }
  | { readonly kind: 'int' }
  | { readonly kind: 'float' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'optional'; readonly of: FieldType }
  | { readonly kind: 'array'; readonly of: FieldType }
  | { readonly kind: 'record'; readonly fields: RecordFields };

/** The fields of a record (or a message body), by name. */
export type RecordFields = Readonly<Record<string, FieldType>>;

/** The TypeScript type of a value of field type `F` (`unknown` for the wide `FieldType` itself). */
export type Infer<F> = [FieldType] extends [F]
  ? unknown
  : F extends { readonly kind: 'string' }
  ? string
  : F extends { readonly kind: 'bytes' }
    ? Uint8Array
    : F extends { readonly kind: 'int' }
      ? number
      : F extends { readonly kind: 'float' }
        ? number
        : F extends { readonly kind: 'bool' }
          ? boolean
          : F extends { readonly kind: 'optional'; readonly of: infer O }
            ? Infer<O> | undefined
            : F extends { readonly kind: 'array'; readonly of: infer O }
              ? Infer<O>[]
              : F extends { readonly kind: 'record'; readonly fields: infer R }
                ? InferRecord<R>
                : never;

type OptionalKeys<R> = { [K in keyof R]: R[K] extends { readonly kind: 'optional' } ? K : never }[keyof R];
type RequiredKeys<R> = Exclude<keyof R, OptionalKeys<R>>;
type Flatten<T> = { [K in keyof T]: T[K] };

/** The TypeScript type of a record with fields `R`: optional fields may be left out. */
export type InferRecord<R> = [RecordFields] extends [R] ? Record<string, unknown> : Flatten<{ [K in RequiredKeys<R>]: Infer<R[K]> } & { [K in OptionalKeys<R>]?: Infer<R[K]> }>;

/** Most levels of nested records, arrays and optionals in one declaration. */
export const MAX_SCHEMA_DEPTH = 16;
/** Most fields in one record. */
export const MAX_RECORD_FIELDS = 256;
const FIELD_NAME_RE = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/;

function checkField(f: unknown, path: string, depth: number): void {
  if (depth > MAX_SCHEMA_DEPTH) throw new ShnError('INVALID_ARGUMENT', `schema ${path} nests deeper than ${MAX_SCHEMA_DEPTH} levels`);
  const kind = (f as { kind?: unknown } | null)?.kind;
  switch (kind) {
    case 'string':
    case 'bytes':
    case 'int':
    case 'float':
    case 'bool':
      return;
    case 'optional':
      if ((f as { of: FieldType }).of.kind === 'optional') throw new ShnError('INVALID_ARGUMENT', `schema ${path}: optional(optional(...)) is not allowed`);
      checkField((f as { of: unknown }).of, `${path}?`, depth + 1);
      return;
    case 'array':
      checkField((f as { of: unknown }).of, `${path}[]`, depth + 1);
      return;
    case 'record':
      checkRecord((f as { fields: unknown }).fields, path, depth + 1);
      return;
    default:
      throw new ShnError('INVALID_ARGUMENT', `schema ${path}: not a field type (use t.string, t.int, t.record({...}), ...), got ${JSON.stringify(kind ?? f)}`);
  }
}

function checkRecord(fields: unknown, path: string, depth: number): void {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new ShnError('INVALID_ARGUMENT', `schema ${path}: a record needs an object of fields`);
  }
  const names = Object.keys(fields);
  if (names.length > MAX_RECORD_FIELDS) throw new ShnError('INVALID_ARGUMENT', `schema ${path}: ${names.length} fields; the limit is ${MAX_RECORD_FIELDS}`);
  for (const name of names) {
    if (!FIELD_NAME_RE.test(name) || name === '__proto__') {
      throw new ShnError('INVALID_ARGUMENT', `schema ${path}: field name ${JSON.stringify(name)} must match ${FIELD_NAME_RE}`);
    }
    checkField((fields as Record<string, unknown>)[name], `${path}.${name}`, depth);
  }
}

const STRING = Object.freeze({ kind: 'string' as const });
const BYTES = Object.freeze({ kind: 'bytes' as const });
const INT = Object.freeze({ kind: 'int' as const });
const FLOAT = Object.freeze({ kind: 'float' as const });
const BOOL = Object.freeze({ kind: 'bool' as const });

/**
 * The field types of declared messages:
 * - `t.string`: any string (UTF-8 on the wire; lone surrogates survive);
 * - `t.bytes`: a `Uint8Array` (copied once each way; decoded as a `Uint8Array`);
 * - `t.int`: a signed 32-bit integer; `t.float`: any number (float64); `t.bool`: a boolean;
 * - `t.optional(x)`: `x` or `undefined` (a record field may be left out);
 * - `t.array(x)`: an array of `x`; `t.record({ ... })`: a nested record.
 */
export const t = Object.freeze({
  string: STRING as { readonly kind: 'string' },
  bytes: BYTES as { readonly kind: 'bytes' },
  int: INT as { readonly kind: 'int' },
  float: FLOAT as { readonly kind: 'float' },
  bool: BOOL as { readonly kind: 'bool' },
  /** `of` or `undefined`. @throws ShnError `INVALID_ARGUMENT` for a bad field type. */
  optional<F extends FieldType>(of: F): { readonly kind: 'optional'; readonly of: F } {
    checkField(of, 'optional', 1);
    if (of.kind === 'optional') throw new ShnError('INVALID_ARGUMENT', 'optional(optional(...)) is not allowed');
    return Object.freeze({ kind: 'optional' as const, of });
  },
  /** An array of `of`. @throws ShnError `INVALID_ARGUMENT` for a bad field type. */
  array<F extends FieldType>(of: F): { readonly kind: 'array'; readonly of: F } {
    checkField(of, 'array', 1);
    return Object.freeze({ kind: 'array' as const, of });
  },
  /** A nested record. @throws ShnError `INVALID_ARGUMENT` for a bad field name or type. */
  record<R extends RecordFields>(fields: R): { readonly kind: 'record'; readonly fields: R } {
    checkRecord(fields, 'record', 1);
    return Object.freeze({ kind: 'record' as const, fields: Object.freeze({ ...fields }) });
  },
});

/** One message of a protocol before it is bound to its kind and name: what {@link message} returns. */
export interface MessageDeclaration<B extends RecordFields = RecordFields, R extends FieldType | undefined = FieldType | undefined> {
  readonly body: B;
  readonly reply: R;
}

/**
 * Declares a message: its body's fields and, for an ask, its reply's type.
 * @throws ShnError `INVALID_ARGUMENT` for a bad field name or type.
 */
export function message<B extends RecordFields, R extends FieldType | undefined = undefined>(body: B, reply?: R): MessageDeclaration<B, R> {
  checkRecord(body, 'message body', 1);
  if (reply !== undefined) checkField(reply, 'reply', 1);
  return Object.freeze({ body: Object.freeze({ ...body }), reply: reply as R });
}

/**
 * A declared message type of one actor kind: the kind, the type name, the body's fields and the
 * reply's type, with the TypeScript types of body (`B`) and reply (`R`) attached. Passing it to a
 * runtime's typed `tell`/`ask`/`send` types the body and the reply, and names the kind, so the
 * kind, id and type strings can no longer be swapped.
 */
export interface MessageType<B = unknown, R = unknown> {
  /** The actor kind the message goes to. */
  readonly kind: string;
  /** The message type (`env.type`). */
  readonly type: string;
  /** A 32-bit id of `kind/type` (FNV-1a) that frames carry instead of the type's text. */
  readonly id: number;
  readonly body: RecordFields;
  readonly reply: FieldType | undefined;
  /** True if `env` is this message (same type); narrows `env.body`. */
  is(env: Envelope): env is Envelope<B>;
  /** Phantom: the TypeScript types only. Never set. */
  readonly __types?: { readonly body: B; readonly reply: R };
}

/** The body type of a {@link MessageType}. */
export type BodyOf<M> = M extends MessageType<infer B, unknown> ? B : never;
/** The reply type of a {@link MessageType}. */
export type ReplyOf<M> = M extends MessageType<unknown, infer R> ? R : never;

/** The message types of one kind, by type name: what {@link defineMessages} returns. */
export type Protocol<M extends Readonly<Record<string, MessageDeclaration>>> = {
  readonly [T in keyof M]: MessageType<InferRecord<M[T]['body']>, M[T]['reply'] extends FieldType ? Infer<M[T]['reply']> : unknown>;
};

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const PROTOCOL_BRAND = Symbol.for('@shn/core/Protocol');

/**
 * Declares the message types of actor kind `kind`, once: field names and types for each body,
 * and the reply type of each ask. List the result in the system definition's `messages` so every
 * thread can decode them.
 *
 * ```ts
 * export const kv = defineMessages('kv', {
 *   set: message({ key: t.string, value: t.bytes, ttlMs: t.optional(t.int) }),
 *   get: message({ key: t.string }, t.optional(t.bytes)),
 * });
 * rt.tell(kv.set, 'user:1', { key: 'a', value: bytes }); // body type-checked
 * const v = await rt.ask(kv.get, 'user:1', { key: 'a' }); // v: Uint8Array | undefined
 * ```
 * @throws ShnError `INVALID_ARGUMENT` for a bad kind, a bad type name (1–256 chars) or a bad declaration.
 */
export function defineMessages<M extends Readonly<Record<string, MessageDeclaration>>>(kind: string, messages: M): Protocol<M> {
  assertKind(kind);
  if (typeof messages !== 'object' || messages === null) throw new ShnError('INVALID_ARGUMENT', 'defineMessages needs an object of message(...) declarations');
  const out: Record<string, MessageType> = {};
  for (const type of Object.keys(messages)) {
    if (type.length === 0 || type.length > 256) throw new ShnError('INVALID_ARGUMENT', `message type ${JSON.stringify(type)} must be 1-256 chars`);
    const decl = messages[type] as MessageDeclaration;
    if (typeof decl !== 'object' || decl === null || typeof decl.body !== 'object') {
      throw new ShnError('INVALID_ARGUMENT', `message ${kind}/${type} must be declared with message({...})`);
    }
    checkRecord(decl.body, `${kind}/${type}`, 1);
    if (decl.reply !== undefined) checkField(decl.reply, `${kind}/${type} reply`, 1);
    out[type] = Object.freeze({
      kind,
      type,
      id: fnv1a(`${kind}/${type}`),
      body: decl.body,
      reply: decl.reply,
      is: (env: Envelope): env is Envelope<never> => env.type === type,
    });
  }
  Object.defineProperty(out, PROTOCOL_BRAND, { value: kind });
  return Object.freeze(out) as unknown as Protocol<M>;
}

/** True for a {@link MessageType} made by {@link defineMessages}. */
export function isMessageType(value: unknown): value is MessageType {
  const v = value as Partial<MessageType> | null;
  return typeof v === 'object' && v !== null && typeof v.kind === 'string' && typeof v.type === 'string' && typeof v.id === 'number' && typeof v.body === 'object';
}

/** Every message type in a system definition's `messages` list (protocols flattened). */
export function listMessageTypes(messages: readonly unknown[] | undefined): MessageType[] {
  const out: MessageType[] = [];
  for (const m of messages ?? []) {
    if (isMessageType(m)) out.push(m);
    else if (typeof m === 'object' && m !== null) {
      for (const v of Object.values(m)) {
        if (!isMessageType(v)) throw new ShnError('INVALID_ARGUMENT', 'messages must list defineMessages(...) protocols or their message types');
        out.push(v);
      }
    } else throw new ShnError('INVALID_ARGUMENT', 'messages must list defineMessages(...) protocols or their message types');
  }
  return out;
}
