import { spawn } from 'node:child_process';
import { ShnError, systemTimer } from '@shn/core';

/** What a finished command printed. */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `command args` to completion, collecting its output. Rejects with ShnError TIMEOUT
 * (after killing it) if it runs longer than `timeoutMs`, and with ShnError INTERNAL if it
 * cannot start or exits non-zero (the message includes the end of its stderr).
 */
export function runCommand(command: string, args: readonly string[], timeoutMs: number): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let timedOut = false;
    const timer = systemTimer.setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (e) => {
      systemTimer.clearTimeout(timer);
      reject(new ShnError('INTERNAL', `cannot run ${command}: ${e.message}`, { cause: e }));
    });
    child.once('close', (code, signal) => {
      systemTimer.clearTimeout(timer);
      if (timedOut) reject(new ShnError('TIMEOUT', `${command} ${args.join(' ')} ran longer than ${timeoutMs} ms`));
      else if (code !== 0) reject(new ShnError('INTERNAL', `${command} exited with ${code ?? signal}: ${stderr.slice(-500)}`));
      else resolve({ stdout, stderr });
    });
  });
}
