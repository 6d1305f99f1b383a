import { CreditReceiver, CreditSender } from './credit-link.js';
import { CreditStream } from './credit-stream.js';

/**
 * An in-process credit-based channel: a {@link CreditSender} for the producer and a
 * {@link CreditStream} for the consumer, wired directly (the same protocol a cross-shard link
 * carries over messages). The producer's `send` waits until the consumer has requested more.
 */
export function creditChannel<T>(): { readonly sender: CreditSender<T>; readonly stream: CreditStream<T> } {
  const link: { receiver?: CreditReceiver<T> } = {};
  const sender = new CreditSender<T>({
    transmit: (item) => link.receiver?.deliver(item),
    end: (error) => link.receiver?.end(error),
  });
  const receiver = new CreditReceiver<T>({ sendCredit: (n) => sender.grant(n), sendCancel: () => sender.cancel() });
  link.receiver = receiver;
  return { sender, stream: new CreditStream<T>((sub) => receiver.subscribe(sub)) };
}
