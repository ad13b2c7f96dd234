import { closeBeforeHeaders, refuseConnection, resetBeforeHeaders } from "./connection.ts";
import { errorEvent } from "./error-event.ts";
import type { FaultDefinition } from "./fault.ts";
import { hangBeforeHeaders } from "./hang-before-headers.ts";
import { holdOpen } from "./hold-open.ts";
import { httpError } from "./http-error.ts";
import { malformedJson } from "./malformed-json.ts";
import { omitTerminator } from "./omit-terminator.ts";
import { rejectParam } from "./reject-param.ts";
import { splitUtf8 } from "./split-utf8.ts";
import { stall } from "./stall.ts";
import { tinyWrites } from "./tiny-writes.ts";
import { fin, rst } from "./truncate.ts";
import { unterminatedFinalEvent } from "./unterminated-final-event.ts";
import { omitUsage, usageError } from "./usage.ts";

/** Fault steps by name. Adding one is adding a file and one line here. */
export const faults: Record<string, FaultDefinition> = {};

function register<P extends object>(definition: FaultDefinition<P>): void {
  faults[definition.name] = definition as unknown as FaultDefinition;
}

for (const definition of [
  httpError,
  refuseConnection,
  resetBeforeHeaders,
  closeBeforeHeaders,
  hangBeforeHeaders,
  rejectParam,
  errorEvent,
  fin,
  rst,
  malformedJson,
  splitUtf8,
  tinyWrites,
  stall,
  omitTerminator,
  usageError,
  omitUsage,
  unterminatedFinalEvent,
  holdOpen,
] as FaultDefinition<object>[]) {
  register(definition);
}

export const faultNames = (): string[] => Object.keys(faults);
