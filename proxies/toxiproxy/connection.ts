import type { Socket } from "node:net";
import type { HotLoop } from "./hot-loop.ts";
import { ToxicLink } from "./link.ts";
import type { ConnectionTap } from "./taps/connection-tap.ts";
import type { ToxicCollection } from "./toxic-collection.ts";

/** A client connection and its upstream connection, joined by one toxic link per direction. */
export class ProxiedConnection {
  readonly #client: Socket;
  readonly #upstream: Socket;
  readonly #links: readonly ToxicLink[];
  readonly #tap: ConnectionTap | undefined;

  constructor(
    client: Socket,
    upstream: Socket,
    toxics: ToxicCollection,
    hotLoop: HotLoop,
    onGone: (connection: ProxiedConnection) => void,
    tap?: ConnectionTap,
  ) {
    this.#client = client;
    this.#upstream = upstream;
    this.#tap = tap;
    this.#links = [
      new ToxicLink("upstream", client, upstream, toxics.chain("upstream"), hotLoop, tap),
      new ToxicLink("downstream", upstream, client, toxics.chain("downstream"), hotLoop, tap),
    ];
    for (const link of this.#links) toxics.attach(link);
    let open = 2;
    const onClose = () => {
      open -= 1;
      if (open > 0) return;
      for (const link of this.#links) {
        link.abort();
        toxics.detach(link);
      }
      onGone(this);
    };
    client.once("close", onClose);
    upstream.once("close", onClose);
  }

  /** Closes both sockets now (proxy disabled, removed or server disposed). */
  destroy(): void {
    const closed = { kind: "fin", by: "proxy", detail: "the proxy was disabled or removed" } as const;
    this.#tap?.ended("client", closed);
    this.#tap?.ended("upstream", closed);
    for (const link of this.#links) link.abort();
    this.#client.destroy();
    this.#upstream.destroy();
  }
}
