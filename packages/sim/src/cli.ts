#!/usr/bin/env node
/**
 * `shn-sim` (`pnpm sim`): runs a scenario over many seeds in parallel worker processes and
 * prints every failing seed with the command that replays it; replays one seed (optionally up
 * to a step) and records or verifies runs. Exit code 0 if every seed passed, 1 if any failed,
 * 2 for a usage error.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isShnError, systemClock } from '@shn/core';
import type { ActorHostFactory } from '@shn/core';
import { registerBuiltinScenarios } from './builtin-scenarios.js';
import { CLI_USAGE, parseCliArgs } from './cli-args.js';
import type { CliCommand } from './cli-args.js';
import { getScenario, listScenarios } from './scenario-registry.js';
import { runScenario } from './scenario.js';
import type { RunFailure } from './scenario.js';
import { loadActorHost } from './host-module.js';
import { parseSimRecording, recordRun, replaySimRecording } from './sim-recording.js';
import { sweepSeeds } from './seed-sweep.js';

const out = (s: string): void => {
  process.stdout.write(`${s}\n`);
};

function describeFailure(f: RunFailure): string {
  return `${f.kind} at step ${f.step} (t=${f.timeMs.toFixed(3)}ms): ${f.message}`;
}

async function main(cmd: CliCommand): Promise<number> {
  if (cmd.kind === 'help') {
    out(CLI_USAGE);
    return 0;
  }
  registerBuiltinScenarios();
  for (const mod of cmd.modules) await import(pathToFileURL(resolve(mod)).href);
  if (cmd.kind === 'list') {
    for (const s of listScenarios()) out(`${s.name.padEnd(24)} ${s.description ?? ''}`);
    return 0;
  }
  const scenario = getScenario(cmd.scenario);
  const host: ActorHostFactory | undefined = cmd.host === undefined ? undefined : await loadActorHost(cmd.host);
  const hostOption = host === undefined ? {} : { host };
  if (cmd.kind === 'sweep') {
    const started = systemClock.monotonic();
    const outcomes = await sweepSeeds({ scenario: cmd.scenario, from: cmd.from, seeds: cmd.seeds, workers: cmd.workers, modules: cmd.modules, ...(cmd.host === undefined ? {} : { host: cmd.host }) });
    const failed = outcomes.filter((o) => !o.ok);
    const secs = (systemClock.monotonic() - started) / 1000;
    for (const f of failed) {
      out(`FAIL seed ${f.seed}: ${describeFailure(f.failure!)}`);
      out(`  replay: ${f.replayCommand}`);
    }
    const moduleArgs = cmd.modules.map((m) => ` --module ${m}`).join('') + (cmd.host === undefined ? '' : ` --host ${cmd.host}`);
    if (moduleArgs !== '' && failed.length > 0) out(`  (add${moduleArgs} to each replay command)`);
    out(`${cmd.scenario}: ${outcomes.length} seeds from ${cmd.from}, ${failed.length} failed, ${outcomes.length - failed.length} passed (${secs.toFixed(1)} s, ${cmd.workers} worker${cmd.workers === 1 ? '' : 's'})`);
    return failed.length > 0 ? 1 : 0;
  }
  if (cmd.kind === 'verify') {
    const recording = parseSimRecording(readFileSync(cmd.file, 'utf8'));
    const report = await replaySimRecording(recording, scenario, { ...hostOption, ...(cmd.untilStep === undefined ? {} : { untilStep: cmd.untilStep }) });
    if (report.reproduced) {
      out(`reproduced: seed ${recording.seed}, ${report.result.sim.log.length} lines identical${report.result.stoppedAtStep ? ` up to step ${report.result.steps}` : ''}`);
      return 0;
    }
    const d = report.divergence!;
    out(`DIVERGED at line ${d.index + 1}:\n  recorded: ${d.first ?? '(end)'}\n  replayed: ${d.second ?? '(end)'}`);
    return 1;
  }
  const result = await runScenario(scenario, cmd.seed, { ...hostOption, ...(cmd.untilStep === undefined ? {} : { untilStep: cmd.untilStep }) });
  const lines = result.sim.log.lines;
  const shown = cmd.fullLog || cmd.untilStep !== undefined ? lines : lines.slice(-40);
  if (shown.length < lines.length) out(`… ${lines.length - shown.length} earlier lines (use --log for all)`);
  for (const l of shown) out(l);
  if (cmd.record !== undefined) {
    writeFileSync(cmd.record, recordRun(result));
    out(`recorded ${lines.length} lines to ${cmd.record} (check with: pnpm sim ${cmd.scenario} --verify ${cmd.record})`);
  }
  if (result.stoppedAtStep) out(`stopped after step ${result.steps} at t=${result.timeMs.toFixed(3)}ms (seed ${cmd.seed})`);
  else if (result.ok) out(`seed ${cmd.seed} passed: ${result.steps} steps, t=${result.timeMs.toFixed(3)}ms`);
  else out(`seed ${cmd.seed} FAILED: ${describeFailure(result.failure!)}`);
  return result.ok || result.stoppedAtStep ? 0 : 1;
}

let cmd: CliCommand;
try {
  cmd = parseCliArgs(process.argv.slice(2), Math.max(1, Math.min(4, availableParallelism())));
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${CLI_USAGE}\n`);
  process.exit(2);
}
main(cmd).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`${isShnError(e) ? `${e.code}: ${e.message}` : String(e instanceof Error ? (e.stack ?? e.message) : e)}\n`);
    process.exitCode = isShnError(e) && e.code === 'INVALID_ARGUMENT' ? 2 : 1;
  },
);
