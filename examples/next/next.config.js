import { join } from "node:path";

const nextConfig = {
  // Keep sessile and the Redis client out of the bundles: loaded from node_modules, one copy per process.
  serverExternalPackages: ["sessile", "redis"],
  // sessile is linked from the repository (file:../..), so the workspace root is the repository's.
  turbopack: { root: join(import.meta.dirname, "../..") },
};

export default nextConfig;
