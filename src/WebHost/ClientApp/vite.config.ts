/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` serves the app with hot reload and sends the API and the live channel to a running web host
// (scripts/run.sh starts one on 5080; SPLYNX_WEBHOST points elsewhere).
const webHost = process.env.SPLYNX_WEBHOST ?? "http://127.0.0.1:5080";

export default defineConfig({
  plugins: [react()],
  build: {
    // Every web host serves the built app from its static files (git-ignored, built by the scripts).
    outDir: "../wwwroot",
    emptyOutDir: true,
    // The polyfill would be the only reason for inline script; every browser we support preloads modules.
    modulePreload: { polyfill: false },
    rollupOptions: {
      // The SignalR client's /*#__PURE__*/ comments sit where Rollup cannot use them; harmless, only noise.
      onwarn(warning, warn) {
        if (warning.code !== "INVALID_ANNOTATION") warn(warning);
      },
    },
  },
  server: {
    proxy: {
      "/api": { target: webHost, changeOrigin: false },
      "/hubs": { target: webHost, ws: true, changeOrigin: false },
    },
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    // Component tests type into a simulated DOM; on a busy two-core machine that takes a while.
    testTimeout: 20_000,
    reporters: process.env.VITEST_JUNIT ? ["default", ["junit", { outputFile: process.env.VITEST_JUNIT }]] : ["default"],
  },
});
