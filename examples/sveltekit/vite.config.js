import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vite";

// sessile and the Redis client stay external: loaded from node_modules at run time, not bundled
// (file:../.. links sessile, which Vite would otherwise bundle as source).
export default defineConfig({ plugins: [sveltekit()], ssr: { external: ["sessile", "redis"] } });
