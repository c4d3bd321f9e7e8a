import type { SSTConfig } from "sst";
import { Detection } from "./stacks/Detection.js";

export default {
  config() {
    return { name: "trailwarden", region: process.env.AWS_REGION ?? "us-east-1" };
  },
  stacks(app) {
    app.stack(Detection);
  },
} satisfies SSTConfig;
