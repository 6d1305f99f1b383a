/**
 * Authenticated encryption of bytes, bound to additional data (`aad`). This is how
 * checkpoints get encrypted without depending on `@shn/security`.
 */
export interface Sealer {
  /** Encrypts and authenticates `plain`, binding `aad`. */
  seal(plain: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** Verifies and decrypts; rejects with `SEAL_FAILED` on a wrong key, wrong aad or tampered bytes. */
  open(sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
}
