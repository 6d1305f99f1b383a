import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { systemClock } from '@shn/core';
import type { Clock } from '@shn/core';
import type { MachineInfo } from './result-types.js';
import { repoRoot } from './paths.js';

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Describes this machine and checkout: Node version, CPU count and model, memory, the
 * date (from `clock`, UTC ISO-8601) and the git commit. Never throws: a missing git gives
 * `gitCommit: 'unknown'`.
 */
export function collectMachineInfo(clock: Clock = systemClock): MachineInfo {
  const cpus = os.cpus();
  const status = git(['status', '--porcelain']);
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    cpus: os.availableParallelism(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    totalMemoryBytes: os.totalmem(),
    date: new Date(clock.now()).toISOString(),
    gitCommit: git(['rev-parse', 'HEAD']) ?? 'unknown',
    gitDirty: status !== undefined && status.length > 0,
  };
}
