import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{core,detectors,remediations,functions,cli,stacks,test,scripts,bench}/**/*.test.ts"],
    exclude: ["dist/**", "node_modules/**"],
    globalSetup: ["test/support/moto-global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
