import { LOOPBACK } from "../../../lib/net.ts";
import { DEFAULT_HOT_LOOP_MS, HotLoop } from "../hot-loop.ts";
import { ToxiproxyProxy } from "../proxy.ts";
import { TapRecorder } from "./tap-recorder.ts";
import type { TapOptions } from "./tap-types.ts";

/** One polling window for every relay of this process (see HotLoop). */
const relayHotLoop = new HotLoop(DEFAULT_HOT_LOOP_MS);

/** A recording relay: where a real Toxiproxy's proxy sends its traffic instead of the upstream. */
export interface TapRelay extends AsyncDisposable {
  /** `host:port` to give Toxiproxy as the proxy's upstream. */
  readonly address: string;
  readonly recorder: TapRecorder;
}

/**
 * The tap beside a real Toxiproxy, which records nothing itself: a relay on loopback between the
 * proxy and its upstream. It is the embedded server's own proxy with no toxics and its taps on, so
 * its records are the same records; they say `tap: "relay"`, because here the "client" is
 * Toxiproxy: the upstream box is seen exactly (what it sent before any toxic, what it got after
 * them, how it ended), the real client is not.
 *
 * Behind the proxy rather than in front of it: the hop keeps the listen address the harness asked
 * for (fixed ports included), and what is seen exactly is the upstream box, the one a verdict
 * blames when a body is cut. The toxics between it and the client are the scenario's own, known
 * by name.
 */
export async function startTapRelay(options: {
  name: string;
  /** The hop's real upstream, `host:port`. */
  upstream: string;
  taps?: TapOptions;
}): Promise<TapRelay> {
  const recorder = new TapRecorder(options.name, options.taps, "relay");
  const relay = new ToxiproxyProxy(
    `${options.name}-tap`,
    `${LOOPBACK}:0`,
    options.upstream,
    relayHotLoop,
    recorder,
  );
  await relay.start();
  return {
    address: relay.listen,
    recorder,
    [Symbol.asyncDispose]: () => relay.stop(),
  };
}
