import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { SpecApp } from "./fixture.js";

/** Starts `server` on a free loopback port; `close()` also drops keep-alive connections. */
export async function listen(server: Server): Promise<SpecApp> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
