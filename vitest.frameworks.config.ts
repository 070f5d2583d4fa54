import { defineConfig } from "vitest/config";

/** `npm run test:frameworks`: the example apps built with their frameworks' CLIs and run as production servers. */
export default defineConfig({
  test: {
    include: ["test/frameworks/**/*.test.ts"],
    testTimeout: 30000,
    hookTimeout: 180000,
    fileParallelism: false,
  },
});
