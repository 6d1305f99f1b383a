/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of iSCSI, ext4 and
 * RocksDB. Implemented here (slicing-by-8 tables) so the package needs no native addon.
 */

const POLY = 0x82f63b78;

function makeTables(): Uint32Array[] {
  const tables: Uint32Array[] = [];
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t0[n] = c >>> 0;
  }
  tables.push(t0);
  for (let t = 1; t < 8; t++) {
    const prev = tables[t - 1] as Uint32Array;
    const cur = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      const p = prev[n] as number;
      cur[n] = ((p >>> 8) ^ (t0[p & 0xff] as number)) >>> 0;
    }
    tables.push(cur);
  }
  return tables;
}

const [T0, T1, T2, T3, T4, T5, T6, T7] = makeTables() as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Continues a CRC-32C over `bytes`. Start with `crc = 0` (the default); feeding the result
 * back in with the next chunk gives the CRC of the concatenation.
 * @returns the CRC as an unsigned 32-bit integer.
 */
export function crc32c(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  let i = 0;
  const n = bytes.length;
  if (LITTLE_ENDIAN && n >= 64) {
    // Align to 4 bytes, then read two 32-bit words per step from a Uint32Array view.
    while (((bytes.byteOffset + i) & 3) !== 0) {
      c = (T0[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
      i++;
    }
    const words = (n - i) >>> 3;
    const u32 = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words * 2);
    for (let w = 0; w < u32.length; w += 2) {
      const a = (c ^ (u32[w] as number)) >>> 0;
      const b = u32[w + 1] as number;
      c =
        (T7[a & 0xff] as number) ^
        (T6[(a >>> 8) & 0xff] as number) ^
        (T5[(a >>> 16) & 0xff] as number) ^
        (T4[a >>> 24] as number) ^
        (T3[b & 0xff] as number) ^
        (T2[(b >>> 8) & 0xff] as number) ^
        (T1[(b >>> 16) & 0xff] as number) ^
        (T0[b >>> 24] as number);
    }
    i += words * 8;
  }
  const end8 = n - ((n - i) % 8);
  while (i < end8) {
    const a = (c ^ ((bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24))) >>> 0;
    c =
      (T7[a & 0xff] as number) ^
      (T6[(a >>> 8) & 0xff] as number) ^
      (T5[(a >>> 16) & 0xff] as number) ^
      (T4[a >>> 24] as number) ^
      (T3[bytes[i + 4] as number] as number) ^
      (T2[bytes[i + 5] as number] as number) ^
      (T1[bytes[i + 6] as number] as number) ^
      (T0[bytes[i + 7] as number] as number);
    i += 8;
  }
  while (i < n) {
    c = (T0[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
    i++;
  }
  return ~c >>> 0;
}
