import { reactRouter } from "@react-router/dev/vite";
import { defineConfig } from "vite";

// sessile and the Redis client stay external: loaded from node_modules at run time, not bundled.
export default defineConfig({ plugins: [reactRouter()], ssr: { external: ["sessile", "redis"] } });
