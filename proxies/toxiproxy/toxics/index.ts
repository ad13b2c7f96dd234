// Importing a toxic registers it; this list is the whole set the server knows.
import "./noop.ts";
import "./latency.ts";
import "./bandwidth.ts";
import "./slow-close.ts";
import "./timeout.ts";
import "./reset-peer.ts";
import "./slicer.ts";
import "./limit-data.ts";

export { type AttributeKind, type ToxicDefinition, toxicDefinition, toxicTypeNames } from "./toxic.ts";
