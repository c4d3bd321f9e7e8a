import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Template } from "aws-cdk-lib/assertions";
import { initProject } from "sst/project.js";
import { App, getStack } from "sst/constructs";
import { beforeAll, describe, expect, it } from "vitest";
import { normaliseRecord } from "../core/cloudtrail.js";
import { toEnvelope } from "../core/envelope.js";
import { ruleFor } from "../core/rules.js";
import { detectors } from "../detectors/index.js";
import { Detection } from "./Detection.js";

/** Synthesises the stack offline (no AWS account) and checks what would be deployed. */
let template: Template;

beforeAll(async () => {
  await initProject({ stage: "test" });
  const app = new App({ mode: "deploy", stage: "test", region: "us-east-1", account: "111122223333" });
  app.stack(Detection);
  await app.finish();
  template = Template.fromStack(getStack(Detection));
}, 120_000);

describe("Detection stack", () => {
  it("deploys one rule per detector, with the pattern replay matches", () => {
    const rules = template.findResources("AWS::Events::Rule");
    expect(Object.keys(rules)).toHaveLength(detectors.length);
    for (const detector of detectors) {
      const expected = ruleFor(detector);
      const rule = Object.values(rules).find((r) => (r.Properties.Description as string) === expected.description);
      expect(rule, detector.id).toBeDefined();
      expect(rule!.Properties.EventPattern).toEqual(expected.eventPattern);
      expect(rule!.Properties.State).toBe(expected.state);
      expect(rule!.Properties.Targets[0].InputTransformer.InputTemplate).toBe(expected.inputTemplate);
    }
  });

  it("runs the detect function on nodejs22.x and lets each rule invoke it", () => {
    template.hasResourceProperties("AWS::Lambda::Function", { Runtime: "nodejs22.x", Handler: "functions/detect.handler" });
    expect(Object.keys(template.findResources("AWS::Lambda::Permission"))).toHaveLength(detectors.length);
  });
});

describe("the bundled detect function", () => {
  it("runs as plain JavaScript and finds what the detector finds", async () => {
    const artifacts = join(process.cwd(), ".sst", "artifacts");
    const bundles = readdirSync(artifacts)
      .map((dir) => join(artifacts, dir, "functions", "detect.mjs"))
      .filter((file) => statSync(file, { throwIfNoEntry: false }))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
    expect(bundles.length).toBeGreaterThan(0);
    const detector = detectors.find((d) => d.id === "cloudtrail.logging-stopped")!;
    const normalised = normaliseRecord(structuredClone(detector.examples.match[0]!.record));
    if (!normalised.ok) throw new Error(normalised.reason);
    const input = JSON.stringify({ detectorId: detector.id, event: toEnvelope(normalised.record) });
    // A plain Node process, as Lambda runs it: no TypeScript, no test runner transforms.
    const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(bundles[0]!).href)});
      let input = ""; for await (const chunk of process.stdin) input += chunk;
      process.stdout.write(JSON.stringify(await handler(JSON.parse(input))));`;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      input,
      encoding: "utf8",
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: "SILENT", POWERTOOLS_METRICS_DISABLED: "true" },
    });
    expect(run.stderr).toBe("");
    const result = JSON.parse(run.stdout) as { finding?: { detector: string } };
    expect(result.finding?.detector).toBe("cloudtrail.logging-stopped");
  });
});
