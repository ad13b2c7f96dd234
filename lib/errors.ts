/**
 * Errors with stable codes. Callers branch on `code`, never on message text (undici's convention).
 * A `UserError` is something the person running streamchaos can fix (bad config, missing binary,
 * a backend that never became ready): the CLI prints what failed, why, and how to fix it, without a
 * stack trace, and exits 2.
 */
export interface ErrorDetails {
  /** What failed, e.g. `Backend "node-hardened" never became ready`. */
  what: string;
  /** Why, with the numbers that matter, e.g. `GET http://127.0.0.1:4000/health did not answer 200 within 10000ms`. */
  why?: string;
  /** How to fix it, e.g. `Check the backend's command; its last log lines are below.` */
  fix?: string;
  /** Extra lines shown under the message (log tails, allowed values). */
  details?: string[];
  cause?: unknown;
}

export class StreamchaosError extends Error {
  readonly code: string;
  readonly what: string;
  readonly why: string | undefined;
  readonly fix: string | undefined;
  readonly details: string[];

  constructor(code: string, info: ErrorDetails) {
    super(formatMessage(info), info.cause === undefined ? undefined : { cause: info.cause });
    this.name = "StreamchaosError";
    this.code = code;
    this.what = info.what;
    this.why = info.why;
    this.fix = info.fix;
    this.details = info.details ?? [];
  }
}

/** An error the user caused and can fix: exit code 2, no stack trace. */
export class UserError extends StreamchaosError {
  constructor(code: string, info: ErrorDetails) {
    super(code, info);
    this.name = "UserError";
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

function formatMessage(info: ErrorDetails): string {
  let message = info.what;
  if (info.why) message += `: ${info.why}`;
  if (!/[.!?]$/.test(message)) message += ".";
  if (info.fix) message += ` ${info.fix}`;
  return message;
}

/** The multi-line form the CLI prints. */
export function renderUserError(error: StreamchaosError): string {
  const lines = [`error[${error.code}]: ${error.what}`];
  if (error.why) lines.push(`  why: ${error.why}`);
  if (error.fix) lines.push(`  fix: ${error.fix}`);
  for (const detail of error.details) lines.push(`  | ${detail}`);
  return lines.join("\n");
}
