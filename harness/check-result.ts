/**
 * What one check said of one scenario: its status, the evidence it read and, when the lane tapped its
 * hops, where a failure first became visible. A part of every result (harness/results.ts).
 */
export type CheckStatus = "pass" | "fail" | "not-applicable";

/** One piece of evidence a check looked at: quoted bytes, a timing, a log line, a header, a journal entry. */
export interface Evidence {
  kind: "bytes" | "timing" | "log" | "header" | "journal" | "status" | "note";
  /** What this is, e.g. "last 64 bytes at the probe", "first byte after request", "nginx error.log". */
  label: string;
  /** The value, as text people can read (bytes are JSON-escaped, so `\r\n` shows). */
  value: string;
  /** When it was observed (epoch ms, lib/clock.ts), if it is a moment. */
  t?: number;
}

export interface CheckResult {
  /** Registry name of the check, e.g. "clean-chunked-termination". */
  check: string;
  status: CheckStatus;
  /** True when the scenario names this check among those that decide it (Scenario.decidedBy). */
  deciding?: boolean;
  /** One line saying why: what was expected and what was seen. */
  summary: string;
  evidence: Evidence[];
  /** Failing checks only, when the lane tapped its hops: which hop broke the stream (harness/hops). */
  hop?: CheckHop;
}

/** Where a failure first became visible on the wire and what each later hop did to it. */
export interface CheckHop {
  /** The hop nearest the provider whose response was broken ("B"); absent when every hop's framing was whole. */
  origin?: string;
  /**
   * From the provider end towards the client, e.g. `hop B: the backend closed mid-chunk, no
   * terminating chunk; hop A: nginx sent 0\r\n\r\n: it hid the cut`. With no origin, what each
   * hop carried, so a reader sees the bytes were whole and the fault is in what they said.
   */
  text: string;
  /**
   * Latency and buffering checks only: how long each box (and each hop's toxics) held the first
   * token, e.g. `nginx held it 1.3 s`.
   */
  holdings?: string[];
}
