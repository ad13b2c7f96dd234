/**
 * A tiny backend for the docker runtime tests, as a `node -e` program (runs in any image with node):
 * `/health` answers ok, `/upstream` fetches `$UPSTREAM/version` and relays it, anything else echoes
 * `backend:<path>`. Listens on $HOST:$PORT.
 */
export const ECHO_SERVER = `
const http = require("node:http");
http.createServer(async (req, res) => {
  if (req.url === "/upstream") {
    try {
      const r = await fetch(process.env.UPSTREAM + "/version");
      res.end("upstream:" + (await r.text()));
    } catch (e) { res.statusCode = 502; res.end(String(e)); }
    return;
  }
  res.end(req.url === "/health" ? "ok" : "backend:" + req.url);
}).listen(Number(process.env.PORT), process.env.HOST || "0.0.0.0", () => console.log("echo listening"));
`;
