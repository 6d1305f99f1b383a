import type { ChildProcess } from 'node:child_process';

/**
 * Children still running that must not outlive the bench process (the servers it starts). If
 * the bench process ends while some are (a crash, a closed stderr pipe, `process.exit`, SIGINT or
 * SIGTERM), they are killed with it instead of being left listening.
 */
const live = new Set<ChildProcess>();
const killLive = (): void => {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
};
const onSignal = (signal: NodeJS.Signals): void => {
  killLive();
  untrack();
  process.kill(process.pid, signal); // no handler now: the default action ends the process
};
function untrack(): void {
  process.removeListener('exit', killLive);
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
}

/**
 * Makes `child` die (SIGKILL) with this process if this process ends first; forgotten once the
 * child exits. The process still ends by a SIGINT or SIGTERM it receives (the handlers are only
 * installed while such a child runs, and re-raise the signal).
 */
export function dieWithBench(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (live.size === 0) {
    process.once('exit', killLive);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  live.add(child);
  child.once('exit', () => {
    live.delete(child);
    if (live.size === 0) untrack();
  });
}
