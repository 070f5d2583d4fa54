import adapter from "@sveltejs/adapter-node";

// adapter-node: `vite build` writes a standalone server to build/, run with `node build` (PORT, HOST).
// SvelteKit's CSRF check stays on: form posts must come from the app's own origin.
export default { kit: { adapter: adapter() } };
