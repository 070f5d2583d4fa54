import { createServer, type Server, Socket } from "node:net";
import type { TestRedis } from "./redis-server.js";

/** Added delay per direction, in milliseconds: `up` is client → Redis, `down` is Redis → client. */
export interface Latency {
  up?: number;
  down?: number;
}

/**
 * What the proxy does with traffic:
 * - `pass`: forwards both ways (after any {@link Latency});
 * - `blackhole`: accepts connections and reads what arrives on every connection, forwards and answers
 *   nothing (a partitioned network or a frozen host). What it read is held, as TCP would keep
 *   retransmitting it: back in `pass` it is delivered late, unless `cut()` reset the connections first;
 * - `refuse`: not listening, so new connections are refused; open connections carry on.
 */
export type FaultMode = "pass" | "blackhole" | "refuse";

/** A loopback TCP proxy in front of a Redis server whose faults can be switched while tests run. */
export interface FaultProxy {
  readonly host: string;
  readonly port: number;
  /** `redis://host:port` of the proxy, for the clients under test. */
  readonly url: string;
  readonly mode: FaultMode;
  /** Client connections open now. */
  readonly open: number;
  /** Client connections accepted since the proxy started. */
  readonly accepted: number;
  /** Back to forwarding: listens again after `refuse()`, delivers what a blackhole held. */
  passThrough(): Promise<void>;
  /** Delay applied to what is forwarded from now on; order within a direction is kept. `{}` = none. */
  latency(latency: Latency): void;
  /** Resets every open connection, both sides (the client sees `ECONNRESET`). */
  cut(): void;
  blackhole(): Promise<void>;
  refuse(): Promise<void>;
  /** Stops the Redis behind the proxy, then starts it again on the same port (its data is lost). */
  restartRedis(): Promise<void>;
  close(): Promise<void>;
}

type Direction = "up" | "down";

/** One direction of one connection: a FIFO of chunks, each written once its due time has come. */
class Lane {
  readonly #queue: { at: number; chunk: Buffer }[] = [];
  #timer: NodeJS.Timeout | undefined;
  #tail = 0;

  constructor(private readonly write: (chunk: Buffer) => void) {}

  push(chunk: Buffer, delayMs: number): void {
    // A chunk never overtakes an earlier one, even when the latency was lowered in between.
    this.#tail = Math.max(Date.now() + delayMs, this.#tail);
    this.#queue.push({ at: this.#tail, chunk });
    this.#pump();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#queue.length = 0;
  }

  #pump(): void {
    if (this.#timer !== undefined) return;
    const now = Date.now();
    let next = this.#queue[0];
    while (next !== undefined && next.at <= now) {
      this.#queue.shift();
      this.write(next.chunk);
      next = this.#queue[0];
    }
    if (next === undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, next.at - now);
  }
}

/** A client connection and its connection to Redis, opened once the proxy forwards. */
class Link {
  upstream: Socket | undefined;
  readonly held: Record<Direction, Buffer[]> = { up: [], down: [] };
  readonly lanes: Record<Direction, Lane>;

  constructor(
    readonly client: Socket,
    private readonly proxy: { mode: FaultMode; latency: Required<Latency>; target: Target },
    private readonly onClose: () => void,
  ) {
    this.lanes = {
      up: new Lane((chunk) => this.upstream?.write(chunk)),
      down: new Lane((chunk) => this.client.write(chunk)),
    };
    client.on("data", (chunk) => this.send("up", chunk));
    client.on("error", () => this.close());
    client.on("close", () => this.close());
    if (proxy.mode === "pass") this.connect();
  }

  connect(): void {
    if (this.upstream !== undefined || this.client.destroyed) return;
    const upstream = new Socket();
    this.upstream = upstream;
    upstream.on("data", (chunk) => this.send("down", chunk));
    // Redis gone (refused, killed): the client sees its connection reset, as it would from Redis itself.
    upstream.on("error", () => this.close());
    upstream.on("close", () => this.close());
    upstream.connect(this.proxy.target.port, this.proxy.target.host);
  }

  send(direction: Direction, chunk: Buffer): void {
    if (this.proxy.mode === "blackhole") this.held[direction].push(chunk);
    else this.lanes[direction].push(chunk, this.proxy.latency[direction]);
  }

  release(): void {
    this.connect();
    for (const direction of ["up", "down"] as const) {
      for (const chunk of this.held[direction].splice(0)) this.send(direction, chunk);
    }
  }

  close(): void {
    this.lanes.up.stop();
    this.lanes.down.stop();
    if (!this.client.destroyed) this.client.resetAndDestroy();
    if (this.upstream !== undefined && !this.upstream.destroyed) this.upstream.resetAndDestroy();
    this.onClose();
  }
}

interface Target {
  host: string;
  port: number;
}

/**
 * Starts a proxy on a free loopback port in front of `target`; `restartRedis()` needs a {@link TestRedis}
 * this process started.
 */
export async function startFaultProxy(target: TestRedis | Target): Promise<FaultProxy> {
  const state = {
    mode: "pass" as FaultMode,
    latency: { up: 0, down: 0 },
    target: { host: target.host, port: target.port },
  };
  const links = new Set<Link>();
  let accepted = 0;
  let server: Server | undefined;
  let port = 0;

  const listen = async (): Promise<void> => {
    const s = createServer((socket) => {
      accepted++;
      const link = new Link(socket, state, () => links.delete(link));
      links.add(link);
    });
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => resolve());
    });
    const address = s.address();
    if (typeof address === "object" && address !== null) port = address.port;
    server = s;
  };
  const unlisten = async (): Promise<void> => {
    const s = server;
    server = undefined;
    // close() stops accepting at once; its callback would wait for the open connections.
    s?.close();
  };

  await listen();
  return {
    host: "127.0.0.1",
    get port() {
      return port;
    },
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    get mode() {
      return state.mode;
    },
    get open() {
      return links.size;
    },
    get accepted() {
      return accepted;
    },
    async passThrough() {
      if (server === undefined) await listen();
      state.mode = "pass";
      for (const link of links) link.release();
    },
    latency(latency) {
      state.latency = { up: latency.up ?? 0, down: latency.down ?? 0 };
    },
    cut() {
      for (const link of [...links]) link.close();
    },
    async blackhole() {
      if (server === undefined) await listen();
      state.mode = "blackhole";
    },
    async refuse() {
      await unlisten();
      state.mode = "refuse";
    },
    async restartRedis() {
      if (!("restart" in target) || !target.owned) throw new Error("restartRedis needs a spawned Redis");
      await target.restart();
    },
    async close() {
      await unlisten();
      for (const link of [...links]) link.close();
    },
  };
}
