import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { detectors } from "../detectors/index.js";
import { UNCOVERED_REASONS } from "./coverage-reasons.js";
import { renderCatalog, renderCoverage, type StratusTechnique } from "./docs.js";

/** `npm run docs`: regenerates docs/detectors.md and docs/coverage.md from the registry. */
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const techniques = (JSON.parse(readFileSync(join(root, "test", "fixtures", "stratus", "stratus-aws-techniques.json"), "utf8")) as { techniques: StratusTechnique[] }).techniques;
writeFileSync(join(root, "docs", "detectors.md"), renderCatalog(detectors));
writeFileSync(join(root, "docs", "coverage.md"), renderCoverage(detectors, techniques, UNCOVERED_REASONS));
console.log(`wrote docs/detectors.md (${detectors.length} detectors) and docs/coverage.md`);
