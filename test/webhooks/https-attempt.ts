/** Run as a child by https.test.ts (NODE_EXTRA_CA_CERTS must be set at start): one attempt per host name, printed as JSON. */
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { deliver } from "../../src/webhooks/deliver.js";

const [keyPath, certPath, ...names] = process.argv.slice(2);
const seen: { host?: string; servername?: string }[] = [];
const server = createServer({ key: readFileSync(keyPath!), cert: readFileSync(certPath!) }, (req, res) => {
  seen.push({ host: req.headers.host, servername: (req.socket as { servername?: string }).servername });
  res.writeHead(204).end();
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address() as AddressInfo;
const results = [];
for (const name of names) {
  const result = await deliver({
    url: `https://${name}:${port}/hooks`,
    headers: {},
    body: "{}",
    timeoutMs: 5_000,
    allowPrivate: true,
    resolve: async () => [{ address: "127.0.0.1", family: 4 }],
  });
  results.push({ name, ok: result.ok, error: result.error });
}
server.closeAllConnections();
server.close();
process.stdout.write(JSON.stringify({ results, seen }));
