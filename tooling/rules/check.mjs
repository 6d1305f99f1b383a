#!/usr/bin/env node
/**
 * `pnpm lint`'s dependency check: runs dependency-cruiser with the repository's rules
 * (`.dependency-cruiser.cjs` in the working directory, or `--config FILE`) over the given
 * folders, and prints one block per violation naming the rule, the importing file, the import
 * as written and what it resolved to, and the rule's reason. Exit code: the number of errors
 * (capped at 255), 2 for a usage error.
 *
 *   node tooling/dependency-rules/check.mjs [--config FILE] packages apps
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

/**
 * Cruises `dirs` (relative to the working directory) with the rules in `configFile`.
 * @returns {Promise<{ violations: Array<{ rule: string, severity: string, from: string, to: string, module: string, cycle: string[], comment: string | undefined }>, modules: number, dependencies: number }>}
 */
export async function checkDependencyRules(dirs, configFile = '.dependency-cruiser.cjs') {
  const options = await extractDepcruiseOptions(resolve(configFile));
  const tsConfig = options.tsConfig?.fileName === undefined ? {} : extractTSConfig(options.tsConfig.fileName);
  const { output } = await cruise(dirs, { ...options, outputType: 'json' }, {}, { tsConfig });
  const result = typeof output === 'string' ? JSON.parse(output) : output;
  const written = new Map();
  for (const m of result.modules ?? []) for (const d of m.dependencies ?? []) written.set(`${m.source}\u0000${d.resolved}`, d.module);
  const comments = new Map((options.ruleSet?.forbidden ?? []).map((r) => [r.name, r.comment]));
  const violations = (result.summary.violations ?? []).map((v) => ({
    rule: v.rule.name,
    severity: v.rule.severity,
    from: v.from,
    to: v.to,
    module: written.get(`${v.from}\u0000${v.to}`) ?? v.to,
    cycle: (v.cycle ?? []).map((c) => (typeof c === 'string' ? c : c.name)),
    comment: comments.get(v.rule.name),
  }));
  return { violations, modules: result.summary.totalCruised, dependencies: result.summary.totalDependenciesCruised };
}

/** The text `pnpm lint` prints for a check's outcome. */
export function formatViolations({ violations, modules, dependencies }) {
  if (violations.length === 0) return `dependency rules: no violations (${modules} modules, ${dependencies} dependencies)\n`;
  const blocks = violations.map((v) => {
    const target = v.module === v.to ? `'${v.module}' (unresolved)` : `'${v.module}' (resolved to ${v.to})`;
    let text = `${v.severity} ${v.rule}: ${v.from} imports ${target}`;
    if (v.cycle.length > 0) text += `\n    cycle: ${[v.from, ...v.cycle].join(' → ')}`;
    if (v.comment !== undefined) text += `\n    ${v.comment}`;
    return text;
  });
  const errors = violations.filter((v) => v.severity === 'error').length;
  return `${blocks.join('\n')}\n\ndependency rules: ${violations.length} violation(s), ${errors} error(s)\n`;
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const args = process.argv.slice(2);
  let config = '.dependency-cruiser.cjs';
  const dirs = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--config') config = args[++i] ?? '';
    else dirs.push(args[i]);
  }
  if (dirs.length === 0 || !existsSync(config) || dirs.some((d) => !existsSync(d))) {
    process.stderr.write(`usage: check.mjs [--config FILE] DIR...  (config ${config}; every DIR must exist)\n`);
    process.exit(2);
  }
  const outcome = await checkDependencyRules(dirs, config);
  process.stdout.write(formatViolations(outcome));
  process.exitCode = Math.min(255, outcome.violations.filter((v) => v.severity === 'error').length);
}
