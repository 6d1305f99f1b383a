import { ShnError } from '@shn/core';

/**
 * One completed or pending client operation, in the shape the linearizability checker takes
 * (`Operation` of `./linearizability`): `call` and `return` are virtual ms; a pending
 * operation (no reply seen: timeout, crash, partition) has `return: Infinity`.
 */
export interface RecordedOperation<I = unknown, O = unknown> {
  readonly clientId: number;
  readonly input: I;
  readonly call: number;
  readonly output: O;
  readonly return: number;
}

interface OpenOp {
  readonly id: number;
  readonly clientId: number;
  readonly input: unknown;
  readonly call: number;
  output?: unknown;
  ret?: number;
  indeterminate: boolean;
}

/**
 * Records a client history on virtual time for a later linearizability check: call
 * {@link HistoryRecorder.invoke} before sending a request and {@link HistoryRecorder.ok} with
 * the reply, or {@link HistoryRecorder.unknown} when no reply came (the request may or may
 * not have taken effect).
 */
export class HistoryRecorder {
  readonly #now: () => number;
  readonly #ops: OpenOp[] = [];
  readonly #busy = new Set<number>();

  /**
   * @param now - the virtual clock, ms.
   * @throws ShnError `INVALID_ARGUMENT` if `now` is not a function.
   */
  constructor(now: () => number) {
    if (typeof now !== 'function') throw new ShnError('INVALID_ARGUMENT', 'HistoryRecorder needs a clock: new HistoryRecorder(() => virtualMs)');
    this.#now = now;
  }

  /**
   * Starts an operation of client `clientId` (a client runs one operation at a time). Returns
   * its id. @throws ShnError `INVALID_ARGUMENT` for a bad client id or a client with an open operation.
   */
  invoke(clientId: number, input: unknown): number {
    if (!Number.isSafeInteger(clientId) || clientId < 0) throw new ShnError('INVALID_ARGUMENT', `clientId must be a non-negative integer, got ${String(clientId)}`);
    if (this.#busy.has(clientId)) throw new ShnError('INVALID_ARGUMENT', `client ${clientId} already has an operation in progress`);
    this.#busy.add(clientId);
    const id = this.#ops.length;
    this.#ops.push({ id, clientId, input, call: this.#now(), indeterminate: false });
    return id;
  }

  /** Completes operation `id` with the observed output. @throws ShnError `INVALID_ARGUMENT` for an unknown or finished id. */
  ok(id: number, output: unknown): void {
    const op = this.#open(id);
    op.output = output;
    op.ret = this.#now();
    this.#busy.delete(op.clientId);
  }

  /**
   * Marks operation `id` as indeterminate (no reply): it stays pending forever in the history,
   * which is what a checker must assume. The client may start a new operation.
   * @throws ShnError `INVALID_ARGUMENT` for an unknown or finished id.
   */
  unknown(id: number): void {
    const op = this.#open(id);
    op.indeterminate = true;
    this.#busy.delete(op.clientId);
  }

  /** Number of operations invoked so far. */
  get size(): number {
    return this.#ops.length;
  }

  /**
   * The history as operations. Indeterminate and still-open operations get `return: Infinity`
   * and `output: undefined`; pass `keepPending` to drop some of them (e.g. reads, whose
   * output nobody saw and which change nothing).
   */
  operations<I = unknown, O = unknown>(keepPending: (input: I) => boolean = () => true): RecordedOperation<I, O>[] {
    const out: RecordedOperation<I, O>[] = [];
    for (const op of this.#ops) {
      const done = op.ret !== undefined;
      if (!done && !keepPending(op.input as I)) continue;
      out.push({ clientId: op.clientId, input: op.input as I, call: op.call, output: op.output as O, return: done ? op.ret! : Number.POSITIVE_INFINITY });
    }
    return out;
  }

  #open(id: number): OpenOp {
    const op = Number.isSafeInteger(id) ? this.#ops[id] : undefined;
    if (op === undefined || op.ret !== undefined || op.indeterminate) throw new ShnError('INVALID_ARGUMENT', `operation ${String(id)} is unknown or already finished`);
    return op;
  }
}
