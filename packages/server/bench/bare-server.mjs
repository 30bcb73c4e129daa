// The ceiling of one Node process for the ingest benchmark: a bare node:http server that reads the
// body, JSON.parses it and answers 202. No framework, no validation, no storage, no logging.
// Prints "listening on http://127.0.0.1:PORT" on stderr once it accepts connections.
import { createServer } from "node:http";

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString());
      res.writeHead(202, { "content-length": "0" }).end();
    } catch {
      res.writeHead(400, { "content-length": "0" }).end();
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const address = server.address();
  process.stderr.write(`listening on http://127.0.0.1:${address.port}\n`);
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
