/**
 * A started box: a process or a container with an address and captured output. Both the local
 * runtime (processes) and the docker runtime (containers) hand these out.
 *
 * Addresses: every box has an `internal` address (how the NEXT box in the topology reaches it: on
 * docker a network alias like `fake:8080`, on local 127.0.0.1:port) and an `external` address (how
 * the harness process on the host reaches it: on docker a mapped port on localhost).
 */

export interface Address {
  host: string;
  port: number;
}

export interface BoxAddress {
  internal: Address;
  external: Address;
}

export interface LogLine {
  t: number;
  line: string;
  /** "stdout" | "stderr" | "error.log" | ... */
  source: string;
}

/** How a box ended: its exit code, or the signal that ended it, and when (epoch ms, lib/clock.ts). */
export interface BoxExit {
  code: number | null;
  signal: string | null;
  t: number;
}

export interface StartedBox extends AsyncDisposable {
  name: string;
  address: BoxAddress;
  /** Captured output so far (SUT stdout/stderr, the edge's error log...). */
  logs(): LogLine[];
  /** False when the box's output is not captured (a backend already running at a URL). */
  logsCaptured?: boolean;
  /** False once the process or container has exited. */
  alive(): Promise<boolean>;
  /**
   * Settles when the box has ended and its output is read (a process: at once, as an event). Absent
   * where only asking tells (a container: see `exitInfo`).
   */
  exited?: Promise<BoxExit>;
  /** How the box ended, once it has (a container's state); undefined while it runs or where unknown. */
  exitInfo?(): Promise<BoxExit | undefined>;
}
