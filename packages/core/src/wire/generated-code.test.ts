import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../scripts/flatc.mjs', import.meta.url));
const hasFlatc = spawnSync('flatc', ['--version']).status === 0;

describe('generated FlatBuffers code', () => {
  // CI installs flatbuffers-compiler, so there the check always runs (and fails if flatc is missing).
  it.skipIf(!hasFlatc && !process.env.CI)('matches what flatc generates from schema/ today (skipped when flatc is not installed)', () => {
    const r = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
