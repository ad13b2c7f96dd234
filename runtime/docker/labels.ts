import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { currentOwner, ownerIsGone } from "../../lib/runs/owner.ts";

/**
 * Every container and network the docker runtime creates carries these labels. Ryuk cannot run here,
 * so the labels are how we find our own leftovers: on dispose (this session), and at the next start
 * (sessions whose owning process is dead, e.g. after `kill -9`).
 */
export const LABEL_TESTCONTAINERS = "org.testcontainers";
export const LABEL_STREAMCHAOS = "dev.streamchaos";
export const LABEL_SESSION = "dev.streamchaos.session";
export const LABEL_PID = "dev.streamchaos.pid";
/** The owner's start time (/proc/<pid>/stat): a later process with the same pid is not the owner. */
export const LABEL_PID_START = "dev.streamchaos.pid-start";
/** The pid is only meaningful on the machine that wrote it. */
export const LABEL_HOST = "dev.streamchaos.host";
export const LABEL_BOX = "dev.streamchaos.box";

export interface SessionIdentity {
  session: string;
  pid: number;
  /** Absent without /proc, and on labels written before it was recorded. */
  start?: number;
  host: string;
}

export function newSession(pid = process.pid): SessionIdentity {
  const { start, host } = currentOwner(pid);
  return {
    session: `${pid}-${randomBytes(4).toString("hex")}`,
    pid,
    ...(start === undefined ? {} : { start }),
    host,
  };
}

export function sessionLabels(identity: SessionIdentity, box?: string): Record<string, string> {
  return {
    [LABEL_TESTCONTAINERS]: "true",
    [LABEL_STREAMCHAOS]: "true",
    [LABEL_SESSION]: identity.session,
    [LABEL_PID]: String(identity.pid),
    ...(identity.start === undefined ? {} : { [LABEL_PID_START]: String(identity.start) }),
    [LABEL_HOST]: identity.host,
    ...(box ? { [LABEL_BOX]: box } : {}),
  };
}

/** Reads a session back from a resource's labels; undefined when they are not ours or are malformed. */
export function identityFromLabels(labels: Record<string, string> | undefined): SessionIdentity | undefined {
  if (labels?.[LABEL_STREAMCHAOS] !== "true") return undefined;
  const session = labels[LABEL_SESSION];
  const pid = Number(labels[LABEL_PID]);
  const host = labels[LABEL_HOST];
  if (!session || !Number.isInteger(pid) || pid <= 0 || !host) return undefined;
  const start = Number(labels[LABEL_PID_START]);
  return { session, pid, ...(Number.isInteger(start) && labels[LABEL_PID_START] ? { start } : {}), host };
}

/**
 * Whether a labelled resource belongs to a session that can no longer clean up after itself: written
 * on this machine by a process that is gone (the same test as the local runtime's run records, in
 * lib/runs/owner.ts). Resources from another host are never touched (their pid says nothing here),
 * nor are malformed ones (not provably ours).
 */
export function isOrphaned(
  identity: SessionIdentity,
  here = hostname(),
  isDead: (identity: SessionIdentity) => boolean = ownerIsGone,
): boolean {
  return identity.host === here && isDead(identity);
}
