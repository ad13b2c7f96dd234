import type { ScenarioRequest } from "../../scenarios/scenario.ts";
import type { Contract } from "../contracts/contract.ts";
import { pieceCounterFor } from "../contracts/pieces.ts";
import type { ProbeDisconnect } from "../probe/options.ts";

/**
 * A scenario says "the client leaves after 4 events" without knowing the backend's framing. The
 * probe counts SSE events itself; for a text or NDJSON contract the trigger becomes the contract's
 * own pieces (reads, lines), or a text/plain stream would never be left (there is no SSE event in
 * it) and every disconnect scenario would judge a client that stayed. Bytes and times mean the
 * same on every framing and pass through.
 */
export function probeDisconnect(
  contract: Contract,
  disconnect: NonNullable<ScenarioRequest["disconnect"]>,
): ProbeDisconnect {
  const { afterEvents, ...rest } = disconnect;
  if (afterEvents === undefined) return rest;
  const counter = pieceCounterFor(contract);
  return counter ? { ...rest, afterPieces: { count: afterEvents, counter } } : { ...rest, afterEvents };
}
