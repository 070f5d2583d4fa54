import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The example apps' production servers run under `npm run test:frameworks` (vitest.frameworks.config.ts).
    exclude: ["test/frameworks/**", "**/node_modules/**"],
    testTimeout: 20000,
    hookTimeout: 30000,
    reporters: process.env.CI ? ["default"] : ["default"],
  },
});
