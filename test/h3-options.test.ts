import { describe, expect, it } from "vitest";
import { defineSessionHandler, sessionMiddleware } from "../src/adapters/h3.js";
import { createSessions, memoryStore } from "../src/index.js";

const factory = createSessions({ store: memoryStore(), secret: "x".repeat(32) });

describe("sessile/h3 options", () => {
  it.each([
    [{ name: "" }, /option name must be a non-empty string/],
    [{ name: 1 }, /option name must be a non-empty string/],
    [{ isHttps: true }, /option isHttps must be a function, or left out/],
    [{ onError: "500" }, /option onError must be a function, or left out/],
  ])("rejects %o at creation with a message that says how to fix it", (options, message) => {
    expect(() => sessionMiddleware(factory, options as never)).toThrow(message);
    expect(() => defineSessionHandler(factory, () => null, options as never)).toThrow(message);
  });

  it("marks defineSessionHandler's result the way h3's defineEventHandler does", () => {
    expect(defineSessionHandler(factory, () => null).__is_handler__).toBe(true);
  });
});
