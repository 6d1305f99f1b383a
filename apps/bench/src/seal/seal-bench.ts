import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { EnvelopeSealer, Keyring, KeyringSealer } from '@shn/security';
import type { AeadAlgorithm } from '@shn/security';
import { measureRate, repeatAlternating } from '../harness/measure.js';
import type { MeasureSpan } from '../harness/measure.js';
import { ResultBuilder } from '../harness/result-builder.js';

/** Options of {@link runSealBench}. */
export interface SealBenchOptions {
  /** Smoke mode: a few hundred seals per figure, one repeat. */
  readonly quick: boolean;
  /** Kept repeats per figure (default 5; 1 in quick mode). */
  readonly repeats?: number | undefined;
  /** Seals per measurement batch (default 2 000; 200 in quick mode). */
  readonly count?: number | undefined;
  readonly log?: (line: string) => void;
}

const SIZES = [
  { id: '1k', bytes: 1024 },
  { id: '64k', bytes: 64 * 1024 },
] as const;
const ALGS: readonly { id: string; alg: AeadAlgorithm }[] = [
  { id: 'aes', alg: 'aes-256-gcm' },
  { id: 'chacha', alg: 'chacha20-poly1305' },
];

/** The baseline: what a careful caller writes with node:crypto alone (random nonce, AAD, nonce || ciphertext || tag). */
function rawSeal(alg: AeadAlgorithm, key: Buffer, plain: Buffer, aad: Buffer): Buffer {
  const nonce = randomBytes(12);
  const c = createCipheriv(alg as 'aes-256-gcm', key, nonce, { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: plain.length });
  return Buffer.concat([nonce, c.update(plain), c.final(), c.getAuthTag()]);
}

function rawOpen(alg: AeadAlgorithm, key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  const d = createDecipheriv(alg as 'aes-256-gcm', key, sealed.subarray(0, 12), { authTagLength: 16 });
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  d.setAAD(aad, { plaintextLength: sealed.length - 28 });
  return Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()]);
}

/**
 * Runs the seal bench: AES-256-GCM and ChaCha20-Poly1305 sealing (and opening) throughput in
 * MB/s of plaintext through `@shn/security`'s public `Sealer` API at its defaults (`await
 * sealer.seal`, keyring with one key, envelope sealer for the envelope row), against raw
 * `node:crypto` on the same data, alternating contenders round by round.
 */
export async function runSealBench(options: SealBenchOptions): Promise<ResultBuilder> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const quick = options.quick;
  const repeats = options.repeats ?? (quick ? 1 : 5);
  const count = options.count ?? (quick ? 200 : 2_000);
  const span: MeasureSpan = quick ? { count } : { durationMs: 500, batch: count };
  const result = new ResultBuilder('seal', quick, { repeats, batch: count, sizes: SIZES.map((s) => s.bytes), aad: '32 bytes' });
  result.note('MB/s = plaintext bytes sealed (or opened) per second / 10^6, one thread, one message at a time.');
  result.note('raw = node:crypto createCipheriv with a fresh randomBytes(12) nonce, setAAD, update/final/getAuthTag and one Buffer.concat: the least a correct caller does. shn adds the versioned header (version, mode, algorithm, key id), the keyring lookup and use count, and the Promise of the async Sealer API.');
  const aad = randomBytes(32);
  const key = randomBytes(32);
  for (const size of SIZES) {
    const plain = randomBytes(size.bytes);
    const mbps = (opsPerSec: number): number => (opsPerSec * size.bytes) / 1e6;
    for (const a of ALGS) {
      const keyring = new Keyring({ keys: [{ id: 'bench-k1', key }] });
      const sealer = new KeyringSealer({ keyring, algorithm: a.alg });
      const envelope = new EnvelopeSealer({ kek: keyring, algorithm: a.alg });
      const rawBlob = rawSeal(a.alg, key, plain, aad);
      const shnBlob = await sealer.seal(plain, aad);
      const measures = [
        () => measureRate(span, async (n) => {
          for (let i = 0; i < n; i++) rawSeal(a.alg, key, plain, aad);
        }),
        () => measureRate(span, async (n) => {
          for (let i = 0; i < n; i++) await sealer.seal(plain, aad);
        }),
        () => measureRate(span, async (n) => {
          for (let i = 0; i < n; i++) await envelope.seal(plain, aad);
        }),
        () => measureRate(span, async (n) => {
          for (let i = 0; i < n; i++) rawOpen(a.alg, key, rawBlob, aad);
        }),
        () => measureRate(span, async (n) => {
          for (let i = 0; i < n; i++) await sealer.open(shnBlob, aad);
        }),
      ];
      log(`seal: ${a.alg} ${size.id}`);
      const [raw, shn, env, rawO, shnO] = (await repeatAlternating({ warmups: quick ? 0 : 1, repeats }, measures)).map((s) => s.map(mbps));
      const base = `${a.id}-${size.id}`;
      result.addFigure(`raw-${base}`, `node:crypto ${a.alg}`, `seal ${size.id}`, 'MB/s', raw as number[]);
      result.addFigure(`shn-${base}`, `KeyringSealer ${a.alg}`, `seal ${size.id}`, 'MB/s', shn as number[]);
      result.addFigure(`env-${base}`, `EnvelopeSealer ${a.alg}`, `seal ${size.id}`, 'MB/s', env as number[]);
      result.addFigure(`raw-open-${base}`, `node:crypto ${a.alg}`, `open ${size.id}`, 'MB/s', rawO as number[]);
      result.addFigure(`shn-open-${base}`, `KeyringSealer ${a.alg}`, `open ${size.id}`, 'MB/s', shnO as number[]);
      const goal = { op: '>=' as const, value: size.bytes >= 65536 ? 0.9 : 0.7 };
      result.addRatio(`seal-${base}`, `KeyringSealer / node:crypto, ${a.alg} seal ${size.id}`, `shn-${base}`, `raw-${base}`, goal);
      result.addRatio(`envelope-${base}`, `EnvelopeSealer / node:crypto, ${a.alg} seal ${size.id}`, `env-${base}`, `raw-${base}`, { op: '>=', value: size.bytes >= 65536 ? 0.8 : 0.4 });
      result.addRatio(`open-${base}`, `KeyringSealer / node:crypto, ${a.alg} open ${size.id}`, `shn-open-${base}`, `raw-open-${base}`, goal);
    }
  }
  return result;
}
