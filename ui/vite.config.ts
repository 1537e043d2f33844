import { defineConfig } from "vitest/config";

// The built UI is embedded into the desktop app (src-tauri/tauri.conf.json: ../ui/dist).
export default defineConfig({
  clearScreen: false,
  build: {
    outDir: "dist",
    target: "es2022",
    // WebKitGTK and Chromium both load module scripts; keep one small bundle.
    sourcemap: false,
  },
  test: {
    include: ["tests/unit/**/*.test.ts"],
    environment: "node",
  },
});
