import type { Socket } from "node:net";
import type { HotLoop } from "./hot-loop.ts";
import { ToxicLink } from "./link.ts";
import type { ToxicCollection } from "./toxic-collection.ts";

/** A client connection and its upstream connection, joined by one toxic link per direction. */
export class ProxiedConnection {
  readonly #client: Socket;
  readonly #upstream: Socket;
  readonly #links: readonly ToxicLink[];

  constructor(
    client: Socket,
    upstream: Socket,
    toxics: ToxicCollection,
    hotLoop: HotLoop,
    onGone: (connection: ProxiedConnection) => void,
  ) {
    this.#client = client;
    this.#upstream = upstream;
    this.#links = [
      new ToxicLink("upstream", client, upstream, toxics.chain("upstream"), hotLoop),
      new ToxicLink("downstream", upstream, client, toxics.chain("downstream"), hotLoop),
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
    for (const link of this.#links) link.abort();
    this.#client.destroy();
    this.#upstream.destroy();
  }
}
