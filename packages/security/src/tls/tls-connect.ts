import { connect } from 'node:tls';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { ShnError } from '@shn/core';
import { tlsFailure } from './tls-errors.js';

/**
 * Connects with `node:tls` and resolves once the handshake is done and the peer is authorised.
 * With TLS 1.3 a server's refusal of the client certificate arrives only after the client's side
 * of the handshake is done, so it surfaces as an `error` event on the returned socket (classify
 * it with {@link tlsFailure}), not as a rejection here.
 * @throws ShnError `UNAUTHENTICATED` for an untrusted, expired, missing or misnamed certificate; `TRANSPORT_FAILED` otherwise.
 */
export function tlsConnect(options: ConnectionOptions & { readonly host: string; readonly port: number }): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    let socket: TLSSocket;
    try {
      socket = connect(options);
    } catch (e) {
      reject(tlsFailure(e));
      return;
    }
    const onError = (e: unknown): void => {
      socket.destroy();
      reject(tlsFailure(e));
    };
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      socket.off('error', onError);
      if (!socket.authorized) {
        socket.destroy();
        reject(new ShnError('UNAUTHENTICATED', `TLS peer not authorised: ${String(socket.authorizationError)}`));
        return;
      }
      resolve(socket);
    });
  });
}
