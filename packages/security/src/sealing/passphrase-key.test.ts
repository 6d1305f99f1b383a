import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT, deriveKeyFromPassphrase, formatScryptParams, parseScryptParams, scryptParams } from './passphrase-key.js';
import { Keyring } from './keyring.js';
import { KeyringSealer } from './keyring-sealer.js';

const FAST = { N: 2 ** 14, r: 8, p: 1 };

describe('passphrase keys', () => {
  it('derives the same key from the same passphrase and params, another from another salt', async () => {
    const a = await deriveKeyFromPassphrase('correct horse battery staple', FAST);
    const b = await deriveKeyFromPassphrase('correct horse battery staple', parseScryptParams(formatScryptParams(a.params)));
    const c = await deriveKeyFromPassphrase('correct horse battery staple', FAST);
    expect(a.key).toHaveLength(32);
    expect(Buffer.from(a.key).equals(Buffer.from(b.key))).toBe(true);
    expect(Buffer.from(a.key).equals(Buffer.from(c.key))).toBe(false);
    const ring = new Keyring({ keys: [{ id: 'pass-1', key: a.key }] });
    const sealer = new KeyringSealer({ keyring: ring });
    const blob = sealer.sealSync(Buffer.from('hi'), Buffer.from(''));
    const ring2 = new Keyring({ keys: [{ id: 'pass-1', key: b.key }] });
    expect(Buffer.from(new KeyringSealer({ keyring: ring2 }).openSync(blob, Buffer.from(''))).toString()).toBe('hi');
  });

  it('defaults to OWASP parameters and refuses weak or malformed ones', async () => {
    expect(scryptParams()).toMatchObject(DEFAULT_SCRYPT);
    expect(() => scryptParams({ N: 1024 })).toThrow(/power of two in \[2\^14/);
    expect(() => scryptParams({ N: 3 * 2 ** 14 })).toThrow(/power of two/);
    expect(() => scryptParams({ salt: new Uint8Array(8) })).toThrow(/salt must be 16/);
    expect(() => parseScryptParams('pbkdf2$1$2$3$abc')).toThrow(/scrypt\$N\$r\$p/);
    await expect(deriveKeyFromPassphrase('', FAST)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
