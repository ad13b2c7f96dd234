import { UserError } from "../../lib/errors.ts";
import { anthropicRelay } from "./anthropic-relay.ts";
import {
  type Contract,
  type ContractDefinition,
  type ContractPresetOptions,
  withCapabilities,
} from "./contract.ts";

export {
  type EventSourceRequest,
  eventSourceRequest,
  eventSourceTemplateProblem,
} from "./contract.ts";

import { openaiRelay } from "./openai-relay.ts";
import { sseStatusDeltaDone } from "./sse-status-delta-done.ts";
import { textMarker } from "./text-marker.ts";

export type {
  Contract,
  ContractCapabilities,
  ContractDefinition,
  ContractPresetOptions,
  ContractRequest,
  ContractRequestInput,
  ContractView,
} from "./contract.ts";

/** Contract presets by name; a user's own contract is any object implementing `Contract`. */
export const contractPresets: Record<string, (options: ContractPresetOptions) => Contract> = {
  "openai-relay": openaiRelay,
  "sse-status-delta-done": sseStatusDeltaDone,
  "anthropic-relay": anthropicRelay,
  "text-marker": textMarker,
};

export type ContractRef = string | ({ preset: string } & ContractPresetOptions) | ContractDefinition;

export function resolveContract(ref: ContractRef, where: string): Contract {
  // A contract object written without defineContract gets the same capability defaults.
  if (typeof ref === "object" && "interpret" in ref) return withCapabilities(ref);
  const name = typeof ref === "string" ? ref : ref.preset;
  const options = typeof ref === "string" ? {} : ref;
  const make = contractPresets[name];
  if (!make) {
    throw new UserError("CONFIG_INVALID_CONTRACT", {
      what: `Unknown contract "${name}" at ${where}`,
      why: `the known presets are ${Object.keys(contractPresets).join(", ")}`,
      fix: "Use one of the presets, or pass an object with request() and interpret() (see defineContract).",
    });
  }
  return make(options);
}

/** Your own contract; capabilities you leave out take the defaults of `withCapabilities` (contract.ts). */
export function defineContract(contract: ContractDefinition): Contract {
  return withCapabilities(contract);
}
