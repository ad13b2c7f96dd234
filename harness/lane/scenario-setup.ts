import type { HopToxic } from "../../proxies/toxiproxy/index.ts";
import type { Link, Scenario } from "../../scenarios/scenario.ts";
import { inlineCassette } from "../scenario-cassettes.ts";
import type { LaneTopology } from "./topology.ts";

/**
 * Re-scripts the fake (which also empties its journal, so it will hold this scenario's entries only),
 * then takes down and poisons the hops the scenario names.
 */
export async function setUpScenario(topology: LaneTopology, scenario: Scenario): Promise<void> {
  const { fake, hops, hopName } = topology;
  await fake.reset();
  // A replayed cassette travels inside the script: the fake may be in a container.
  await fake.setScript({ name: scenario.id, ...(await inlineCassette(scenario.script)) });
  for (const [i, { match, script }] of (scenario.matchScripts ?? []).entries()) {
    await fake.addScript({ name: `${scenario.id}#${i + 1}`, ...(await inlineCassette(script)) }, match);
  }
  for (const hop of scenario.down ?? []) await hops.setEnabled(hopName(hop), false);
  const byHop = new Map<Link, NonNullable<Scenario["toxics"]>>();
  for (const toxic of scenario.toxics ?? []) byHop.set(toxic.hop, [...(byHop.get(toxic.hop) ?? []), toxic]);
  for (const [hop, toxics] of byHop) {
    await hops.setToxics(
      hopName(hop),
      toxics.map((t, i) => ({
        name: `${t.type}_${t.stream ?? "downstream"}_${i}`,
        type: t.type as HopToxic["type"],
        stream: t.stream ?? "downstream",
        toxicity: t.toxicity ?? 1,
        attributes: t.attributes ?? {},
      })),
    );
  }
}
