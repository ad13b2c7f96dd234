import { UserError } from "../../lib/errors.ts";
import {
  BOX_IMAGE_ROLES,
  type BoxImageRole,
  computeImageTags,
  type ImageName,
  imageRef,
  LOCAL_TAG,
  OFFICIAL_TOXIPROXY_IMAGE,
} from "./images.ts";

export type ImageOverrides = Partial<Record<BoxImageRole, string>>;

export interface ResolvedImage {
  role: BoxImageRole;
  ref: string;
  /**
   * override: given in options or STREAMCHAOS_IMAGE_<ROLE>; official: the real Toxiproxy image;
   * current: built from this checkout's sources; stale: the `:local` alias of an older build.
   */
  source: "override" | "official" | "current" | "stale";
}

export interface ResolverDeps {
  exists(ref: string): Promise<boolean>;
  tags(): Promise<Record<ImageName, string>>;
  env?: NodeJS.ProcessEnv;
}

/** `STREAMCHAOS_IMAGE_NODE_BACKEND` for `node-backend`. */
export function envOverrideName(role: BoxImageRole): string {
  return `STREAMCHAOS_IMAGE_${role.toUpperCase().replace(/-/g, "_")}`;
}

export function isBoxImageRole(name: string): name is BoxImageRole {
  return (BOX_IMAGE_ROLES as string[]).includes(name);
}

/**
 * Picks the image for a box: an explicit override; for toxiproxy the official image when it is
 * present; otherwise our image built from these sources (`:<hash>`), falling back to the `:local`
 * alias with `stale` so the caller can warn that the image runs older code than the checkout.
 */
export async function resolveImage(
  role: BoxImageRole,
  overrides: ImageOverrides,
  deps: ResolverDeps,
): Promise<ResolvedImage> {
  const env = deps.env ?? process.env;
  const override = overrides[role] ?? env[envOverrideName(role)];
  if (override) {
    if (!(await deps.exists(override))) {
      throw new UserError("DOCKER_IMAGE_MISSING", {
        what: `The ${role} image "${override}" is not present on this machine`,
        why: "no registry is reachable here, so images are never pulled",
        fix: `Build or load it (docker load -i FILE), or drop the override to use streamchaos's own (${envOverrideName(role)} or the runtime's images option).`,
      });
    }
    return { role, ref: override, source: "override" };
  }
  if (role === "toxiproxy" && (await deps.exists(OFFICIAL_TOXIPROXY_IMAGE))) {
    return { role, ref: OFFICIAL_TOXIPROXY_IMAGE, source: "official" };
  }
  const tags = await deps.tags();
  const current = imageRef(role, tags[role]);
  if (await deps.exists(current)) return { role, ref: current, source: "current" };
  const local = imageRef(role, LOCAL_TAG);
  if (await deps.exists(local)) return { role, ref: local, source: "stale" };
  throw new UserError("DOCKER_IMAGE_MISSING", {
    what: `The ${role} image is not built on this machine`,
    why: `neither ${current} (this checkout) nor ${local} exists, and no registry is reachable to pull one`,
    fix: `Build it: npx tsx docker/build-images.ts --only ${role}  (all images: npx tsx docker/build-images.ts)`,
  });
}

/** A resolver bound to one engine: tags computed once per process, lookups cached per ref. */
export function cachedDeps(exists: (ref: string) => Promise<boolean>): ResolverDeps {
  let tags: Promise<Record<ImageName, string>> | undefined;
  const seen = new Map<string, Promise<boolean>>();
  return {
    exists(ref) {
      let known = seen.get(ref);
      if (!known) {
        known = exists(ref);
        seen.set(ref, known);
      }
      return known;
    },
    tags() {
      tags ??= computeImageTags();
      return tags;
    },
  };
}
