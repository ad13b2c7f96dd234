import { defineCheck, fail, pass } from "./check.ts";
import { endEvidence, statusEvidence } from "./evidence.ts";

/** A fault in one stream must not take the backend down or poison the next request. */
export default defineCheck({
  name: "backend-survived",
  description: "After the scenario the backend is alive and serves a normal request completely",
  run(context) {
    if (!context.backendAlive) return fail("the backend process exited during the scenario", []);
    const followUp = context.followUp;
    if (!followUp) return fail("no follow-up request could be made", []);
    const { observation, view } = followUp;
    const evidence = [statusEvidence(observation), endEvidence(observation)];
    if (observation.response?.statusCode !== 200) {
      return fail(
        `the follow-up request got ${observation.response ? `HTTP ${observation.response.statusCode}` : observation.end.kind}`,
        evidence,
      );
    }
    if (
      view.errorMarker ||
      !observation.complete ||
      (context.contract.capabilities.doneSignal && !view.done)
    ) {
      return fail("the follow-up request did not complete normally", evidence);
    }
    return pass("alive, and a follow-up request completed normally", evidence);
  },
});
