import { Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FaultProxy, startFaultProxy } from "./helpers/fault-proxy.js";
import { spawnRedis, type TestRedis } from "./helpers/redis-server.js";

/** A raw RESP connection: sends inline commands, collects replies line by line. */
class Wire {
  readonly socket = new Socket();
  readonly lines: string[] = [];
  closed: string | undefined;
  #buffer = "";

  static async open(port: number): Promise<Wire> {
    const wire = new Wire();
    await new Promise<void>((resolve, reject) => {
      wire.socket.once("error", reject);
      wire.socket.connect(port, "127.0.0.1", () => resolve());
    });
    wire.socket.on("error", (error: NodeJS.ErrnoException) => {
      wire.closed = error.code ?? error.message;
    });
    wire.socket.on("close", () => {
      wire.closed ??= "closed";
    });
    wire.socket.on("data", (chunk) => {
      wire.#buffer += chunk.toString();
      const parts = wire.#buffer.split("\r\n");
      wire.#buffer = parts.pop() ?? "";
      wire.lines.push(...parts);
    });
    return wire;
  }

  send(command: string): void {
    this.socket.write(`${command}\r\n`);
  }

  /** The next reply line, or `undefined` if none arrived within `ms`. */
  async reply(ms = 1000): Promise<string | undefined> {
    const deadline = Date.now() + ms;
    while (this.lines.length === 0 && Date.now() < deadline && this.closed === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return this.lines.shift();
  }

  /** Milliseconds from sending `command` until its reply. */
  async roundTrip(command: string): Promise<number> {
    const started = Date.now();
    this.send(command);
    expect(await this.reply(3000)).toBeDefined();
    return Date.now() - started;
  }

  close(): void {
    this.socket.destroy();
  }
}

function connectError(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code));
    socket.connect(port, "127.0.0.1", () => {
      socket.destroy();
      resolve(undefined);
    });
  });
}

describe("FaultProxy (test helper)", () => {
  let redis: TestRedis;
  let proxy: FaultProxy;
  const wires: Wire[] = [];
  const open = async () => {
    const wire = await Wire.open(proxy.port);
    wires.push(wire);
    return wire;
  };

  beforeAll(async () => {
    redis = await spawnRedis();
    proxy = await startFaultProxy(redis);
  });
  afterAll(async () => {
    await proxy?.close();
    await redis?.stop();
  });
  afterEach(async () => {
    for (const wire of wires.splice(0)) wire.close();
    proxy.latency({});
    await proxy.passThrough();
  });

  it("forwards commands and replies", async () => {
    const wire = await open();
    wire.send("SET fault-proxy-key v");
    expect(await wire.reply()).toBe("+OK");
    wire.send("GET fault-proxy-key");
    expect([await wire.reply(), await wire.reply()]).toEqual(["$1", "v"]);
    expect(proxy.open).toBe(1);
  });

  it("adds latency per direction and keeps replies in order when it is lowered", async () => {
    const wire = await open();
    expect(await wire.roundTrip("PING")).toBeLessThan(60);
    proxy.latency({ up: 150 });
    expect(await wire.roundTrip("PING")).toBeGreaterThanOrEqual(145);
    proxy.latency({ down: 200 });
    const slow = await wire.roundTrip("PING");
    expect(slow).toBeGreaterThanOrEqual(195);
    expect(slow).toBeLessThan(340);
    proxy.latency({ down: 300 });
    wire.send("ECHO first");
    proxy.latency({});
    wire.send("ECHO second");
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await wire.reply());
    expect(replies).toEqual(["$5", "first", "$6", "second"]);
  });

  it("cut() resets every open connection; new ones are forwarded", async () => {
    const a = await open();
    const b = await open();
    expect(await a.roundTrip("PING")).toBeLessThan(100);
    proxy.cut();
    await a.reply(200);
    await b.reply(200);
    expect([a.closed, b.closed]).toEqual(["ECONNRESET", "ECONNRESET"]);
    expect(proxy.open).toBe(0);
    expect(await (await open()).roundTrip("PING")).toBeLessThan(100);
  });

  it("blackhole() reads and answers nothing, on old and new connections, and holds what it read", async () => {
    const old = await open();
    await old.roundTrip("PING");
    await proxy.blackhole();
    const fresh = await open();
    old.send("INCR fault-proxy-counter");
    fresh.send("INCR fault-proxy-counter");
    expect(await old.reply(300)).toBeUndefined();
    expect(await fresh.reply(10)).toBeUndefined();
    expect([old.closed, fresh.closed]).toEqual([undefined, undefined]);
    const direct = await Wire.open(redis.port);
    wires.push(direct);
    direct.send("GET fault-proxy-counter");
    expect(await direct.reply()).toBe("$-1");
    await proxy.passThrough();
    const replies = [await old.reply(), await fresh.reply()].sort();
    expect(replies).toEqual([":1", ":2"]);
  });

  it("blackhole() then cut() drops what was held: nothing reaches Redis", async () => {
    await proxy.blackhole();
    const wire = await open();
    wire.send("SET fault-proxy-dropped 1");
    await wire.reply(100);
    proxy.cut();
    await proxy.passThrough();
    const direct = await open();
    direct.send("EXISTS fault-proxy-dropped");
    expect(await direct.reply()).toBe(":0");
  });

  it("refuse() stops listening while open connections carry on; passThrough() listens on the same port", async () => {
    const wire = await open();
    const port = proxy.port;
    await proxy.refuse();
    expect(await connectError(port)).toBe("ECONNREFUSED");
    expect(await wire.roundTrip("PING")).toBeLessThan(100);
    await proxy.passThrough();
    expect(proxy.port).toBe(port);
    expect(await (await open()).roundTrip("PING")).toBeLessThan(100);
  });

  it("restartRedis() drops the connections and their data; a new connection reaches the new server", async () => {
    const wire = await open();
    wire.send("SET fault-proxy-restart 1");
    expect(await wire.reply()).toBe("+OK");
    await proxy.restartRedis();
    await wire.reply(200);
    expect(wire.closed).toBe("ECONNRESET");
    const after = await open();
    after.send("EXISTS fault-proxy-restart");
    expect(await after.reply()).toBe(":0");
    expect(proxy.accepted).toBeGreaterThanOrEqual(2);
  });

  it("resets a client whose connection Redis refuses", async () => {
    await redis.stop();
    try {
      const wire = await open();
      await wire.reply(500);
      expect(wire.closed).toBe("ECONNRESET");
    } finally {
      await redis.restart();
    }
  });
});
