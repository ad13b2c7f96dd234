import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

/**
 * Every container and network the docker runtime creates carries these labels. Ryuk cannot run here,
 * so the labels are how we find our own leftovers: on dispose (this session), and at the next start
 * (sessions whose owning process is dead, e.g. after `kill -9`).
 */
export const LABEL_TESTCONTAINERS = "org.testcontainers";
export const LABEL_STREAMCHAOS = "dev.streamchaos";
export const LABEL_SESSION = "dev.streamchaos.session";
export const LABEL_PID = "dev.streamchaos.pid";
/** The pid is only meaningful on the machine that wrote it. */
export const LABEL_HOST = "dev.streamchaos.host";
export const LABEL_BOX = "dev.streamchaos.box";

export interface SessionIdentity {
  session: string;
  pid: number;
  host: string;
}

export function newSession(pid = process.pid): SessionIdentity {
  return { session: `${pid}-${randomBytes(4).toString("hex")}`, pid, host: hostname() };
}

export function sessionLabels(identity: SessionIdentity, box?: string): Record<string, string> {
  return {
    [LABEL_TESTCONTAINERS]: "true",
    [LABEL_STREAMCHAOS]: "true",
    [LABEL_SESSION]: identity.session,
    [LABEL_PID]: String(identity.pid),
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
  return { session, pid, host };
}

/** True when `pid` names no process on this machine (ESRCH); EPERM means it exists but is not ours. */
export function processIsDead(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * Whether a labelled resource belongs to a session that can no longer clean up after itself: written
 * on this machine by a process that is gone. Resources from another host are never touched (their
 * pid says nothing here), nor are malformed ones (not provably ours).
 */
export function isOrphaned(
  identity: SessionIdentity,
  here = hostname(),
  isDead: (pid: number) => boolean = processIsDead,
): boolean {
  return identity.host === here && isDead(identity.pid);
}
