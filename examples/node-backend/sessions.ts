import type { Downstream } from "./downstream/response.ts";

export interface ActiveStream {
  /** Cancel this stream because a newer request on its session arrived. */
  supersede(): void;
}

/**
 * Hardened: at most one stream per session. A new request supersedes the old one (its upstream is
 * aborted, its response ends with the marker) before it starts, as incident 003's StreamRegistry.
 */
export class SessionRegistry {
  #active = new Map<string, ActiveStream>();

  claim(sessionId: string, stream: ActiveStream): void {
    const previous = this.#active.get(sessionId);
    this.#active.set(sessionId, stream);
    previous?.supersede();
  }

  release(sessionId: string, stream: ActiveStream): void {
    if (this.#active.get(sessionId) === stream) this.#active.delete(sessionId);
  }
}

/**
 * Bug `no-session-cancel`: one token channel per session that every open response of the session
 * reads, so a second request receives the first one's tokens (incident 003, "old responses
 * appearing in new stream").
 */
export class SessionChannels {
  #members = new Map<string, Set<Downstream>>();

  join(sessionId: string, member: Downstream): { publish(text: string): void; leave(): void } {
    let members = this.#members.get(sessionId);
    if (members === undefined) {
      members = new Set();
      this.#members.set(sessionId, members);
    }
    members.add(member);
    const channel = members;
    return {
      publish: (text) => {
        for (const each of channel) each.token(text);
      },
      leave: () => {
        channel.delete(member);
        if (channel.size === 0 && this.#members.get(sessionId) === channel) this.#members.delete(sessionId);
      },
    };
  }
}
