import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActorHost } from '@shn/core-mailbox';
import { afterAll, describe, expect, it } from 'vitest';
import { loadActorHost } from './host-module.js';

const app = mkdtempSync(join(tmpdir(), 'shn-host-module-'));
afterAll(() => rmSync(app, { recursive: true, force: true }));

/** Installs a fake package `name` in the app's node_modules whose entry is `source`. */
function install(name: string, source: string, manifest: object = {}): void {
  const dir = join(app, 'node_modules', name);
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, type: 'module', exports: { '.': { import: './dist/index.js' } }, ...manifest }));
  writeFileSync(join(dir, 'dist', 'index.js'), source);
}

describe('loadActorHost (the CLI --host)', () => {
  it('loads createActorHost from @shn/core-mailbox as installed where the CLI runs', async () => {
    expect(await loadActorHost('@shn/core-mailbox')).toBe(createActorHost);
  });

  it("resolves a package from the app's own node_modules (through its exports map), and a file path from the app folder", async () => {
    install('@acme/host', 'export const createActorHost = () => "acme";\n');
    install('plain-default', 'export default function host() { return "default"; }\n');
    writeFileSync(join(app, 'local-host.mjs'), 'export const createActorHost = () => "local";\n');
    const nested = join(app, 'src', 'deep');
    mkdirSync(nested, { recursive: true });
    expect((await loadActorHost('@acme/host', nested))({} as never)).toBe('acme');
    expect((await loadActorHost('plain-default', app))({} as never)).toBe('default');
    expect((await loadActorHost('./local-host.mjs', app))({} as never)).toBe('local');
  });

  it('refuses a module without a factory, one that cannot be imported and an empty name with INVALID_ARGUMENT', async () => {
    install('no-factory', 'export const nothing = 1;\n');
    await expect(loadActorHost('no-factory', app)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/must export createActorHost/) });
    await expect(loadActorHost('./missing.mjs', app)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/cannot import actor host module \.\/missing\.mjs/) });
    await expect(loadActorHost('', app)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
