import { ShnError } from '@shn/core';
import type { BenchResult, Figure, FigureUnit, MachineInfo, Ratio, Skipped } from './result-types.js';
import { summarize } from './stats.js';

/** A goal a ratio is checked against: `>=` / `<=` / `<` / `>` a threshold. */
export interface RatioGoal {
  readonly op: '>=' | '<=' | '<' | '>';
  readonly value: number;
}

function meets(value: number, goal: RatioGoal): boolean {
  switch (goal.op) {
    case '>=':
      return value >= goal.value;
    case '<=':
      return value <= goal.value;
    case '<':
      return value < goal.value;
    case '>':
      return value > goal.value;
  }
}

/**
 * Collects the figures, ratios, skips and notes of one bench run, then freezes them into a
 * {@link BenchResult}. Ratios are only computed between figures added to the same builder,
 * i.e. measured in the same run.
 */
export class ResultBuilder {
  private readonly figures = new Map<string, Figure>();
  private readonly ratios: Ratio[] = [];
  private readonly skipped: Skipped[] = [];
  private readonly notes: string[] = [];

  constructor(
    private readonly name: string,
    private readonly quick: boolean,
    private readonly config: Readonly<Record<string, unknown>>,
  ) {}

  /**
   * Adds a figure from its repeated samples (in `unit`). Throws ShnError INVALID_ARGUMENT
   * on a duplicate id, no samples or a non-finite sample.
   */
  addFigure(id: string, subject: string, metric: string, unit: FigureUnit, samples: readonly number[], note?: string): Figure {
    if (this.figures.has(id)) throw new ShnError('INVALID_ARGUMENT', `duplicate figure id ${id}`);
    const s = summarize(samples);
    const figure: Figure = { id, subject, metric, unit, samples: [...samples], ...s, ...(note === undefined ? {} : { note }) };
    this.figures.set(id, figure);
    return figure;
  }

  /** The figure with this id, or undefined if it was not measured (skipped). */
  figure(id: string): Figure | undefined {
    return this.figures.get(id);
  }

  /** Records that a contender could not be measured, and why. */
  skip(id: string, reason: string): void {
    this.skipped.push({ id, reason });
  }

  /** Adds a caveat for readers. */
  note(text: string): void {
    this.notes.push(text);
  }

  /**
   * Adds `numerator.median / denominator.median` when both figures exist (returns undefined
   * and records nothing otherwise, since a skipped contender has no ratio). Throws ShnError
   * INVALID_ARGUMENT if the denominator's median is 0.
   */
  addRatio(id: string, label: string, numerator: string, denominator: string, goal?: RatioGoal): Ratio | undefined {
    const n = this.figures.get(numerator);
    const d = this.figures.get(denominator);
    if (n === undefined || d === undefined) return undefined;
    if (d.median === 0) throw new ShnError('INVALID_ARGUMENT', `ratio ${id}: denominator ${denominator} has median 0`);
    const value = n.median / d.median;
    const ratio: Ratio = {
      id,
      label,
      numerator,
      denominator,
      value,
      ...(goal === undefined ? {} : { goal: `${goal.op} ${goal.value}`, met: meets(value, goal) }),
    };
    this.ratios.push(ratio);
    return ratio;
  }

  /** Freezes everything into a result stamped with `machine`. */
  build(machine: MachineInfo): BenchResult {
    return {
      name: this.name,
      quick: this.quick,
      machine,
      config: this.config,
      figures: [...this.figures.values()],
      ratios: [...this.ratios],
      skipped: [...this.skipped],
      notes: [...this.notes],
    };
  }
}
