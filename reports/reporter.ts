import type { Reporter } from "../harness/reporter.ts";

export type {
  FinishOptions,
  FinishOutput,
  Reporter,
  RunPlan,
  ScenarioStart,
} from "../harness/reporter.ts";

export interface ReporterOptions {
  /** Where live and final console output goes (process.stdout by default). */
  stream: NodeJS.WritableStream & { columns?: number };
  isTTY: boolean;
  /** false forces colors off; otherwise FORCE_COLOR, NO_COLOR and isTTY decide (lib/color.ts). */
  color?: boolean;
  /** Terminal width; defaults to stream.columns, else 100. */
  columns?: number;
  /** false prints ASCII status marks instead of ✓ ✗ (terminals without UTF-8). */
  unicode?: boolean;
  /** Non-TTY only: "lines" prints one line per finished scenario (default), "quiet" prints nothing live. */
  progress?: "lines" | "quiet";
  /** Environment to read FORCE_COLOR and NO_COLOR from; process.env by default (tests pass their own). */
  env?: Record<string, string | undefined>;
  /** Where the HTML report is published (`--report-url`): the summaries link to it. */
  reportUrl?: string;
  /** github: workflow annotations at most (`--reporter-option max-annotations=N`). */
  maxAnnotations?: number;
}

export type ReporterFactory = (options: ReporterOptions) => Reporter;
