import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../test/support/fixtures.js";
import { compileArnPattern, DEFAULT_BASELINE, exceptionExpiry, matchesAny } from "./baseline.js";
import { BaselineError, loadBaselineFile, parseBaselineText } from "./baseline-file.js";

function problemsOf(text: string): string {
  try {
    parseBaselineText(text, "baseline.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(BaselineError);
    return (error as Error).message;
  }
  throw new Error("expected the baseline to be rejected");
}

describe("baseline files", () => {
  it("accepts the commented example shipped in the repository", () => {
    const baseline = loadBaselineFile(join(REPO_ROOT, "baseline.example.yaml"));
    expect(baseline.accounts["111122223333"]).toEqual({ name: "payments-prod", environment: "production" });
    expect(baseline.principals.iac).toContain("arn:aws:iam::*:role/deploy/terraform-apply");
    expect(baseline.exceptions[0]?.expires).toBe("2027-03-31");
  });

  it("treats an empty file as the default baseline", () => {
    expect(parseBaselineText("", "empty.yaml")).toEqual(DEFAULT_BASELINE);
  });

  it("names the file, the path and what was expected for a bad account id", () => {
    const message = problemsOf('accounts:\n  "1111": { name: x, environment: production }\n');
    expect(message).toMatch(/^baseline\.yaml: invalid baseline: accounts\.1111 \(line 2\): key expected to be a 12-digit account id in quotes/);
  });

  it("points at the list entry that is wrong", () => {
    const message = problemsOf("principals:\n  iac:\n    - arn:aws:iam::*:role/ok\n    - terraform\n");
    expect(message).toContain("principals.iac[1] (line 4): expected an ARN or ARN pattern starting with arn:");
  });

  it("rejects unknown keys so a typo cannot silently disable a rule", () => {
    expect(problemsOf("principal:\n  iac: []\n")).toContain("(top level): unknown key(s) 'principal'");
  });

  it("says which values an enumeration allows", () => {
    expect(problemsOf('accounts:\n  "111122223333": { name: a, environment: prod }\n')).toMatch(
      /accounts\.111122223333\.environment \(line 2\): expected one of production, staging/,
    );
  });

  it("refuses an exception without a principal, resource or account", () => {
    const text = "exceptions:\n  - detector: s3.*\n    owner: a\n    reason: b\n    expires: 2027-01-01\n";
    expect(problemsOf(text)).toContain("exceptions[0] (line 2): expected an exception must name a principal");
  });

  it("reports YAML syntax errors with their line", () => {
    expect(problemsOf("regions:\n  allowed: [us-east-1\n")).toMatch(/line \d+, column \d+: YAML syntax/);
  });

  it("reports a missing file by name", () => {
    expect(() => loadBaselineFile("/nonexistent/baseline.yaml")).toThrow("/nonexistent/baseline.yaml: invalid baseline: file not found");
  });
});

describe("principal patterns", () => {
  it("match any account and name suffix with *", () => {
    expect(matchesAny(["arn:aws:iam::*:role/ci-*"], "arn:aws:iam::111122223333:role/ci-deploy")).toBe(true);
    expect(matchesAny(["arn:aws:iam::*:role/ci-*"], "arn:aws:iam::111122223333:role/dev-ci-deploy")).toBe(false);
  });

  it("treat regular-expression characters literally", () => {
    expect(compileArnPattern("arn:aws:iam::1.3:role/a+b").test("arn:aws:iam::123:role/aab")).toBe(false);
    expect(compileArnPattern("arn:aws:iam::1.3:role/a+b").test("arn:aws:iam::1.3:role/a+b")).toBe(true);
  });

  it("never match a missing principal", () => {
    expect(matchesAny(["*"], undefined)).toBe(false);
  });
});

describe("exception expiry", () => {
  it("runs to the end of the named UTC day", () => {
    const text = readFileSync(join(REPO_ROOT, "baseline.example.yaml"), "utf8");
    const [exception] = parseBaselineText(text, "x").exceptions;
    expect(exceptionExpiry(exception!).toISOString()).toBe("2027-03-31T23:59:59.999Z");
  });
});

describe("baseline values that only look right", () => {
  it("refuses an expiry date that does not exist", () => {
    const text = "exceptions:\n  - detector: s3.*\n    account: \"111122223333\"\n    owner: a\n    reason: b\n    expires: 2027-02-31\n";
    expect(() => parseBaselineText(text, "b.yaml")).toThrow("exceptions[0].expires (line 6): expected a real calendar date");
  });

  it("says a list is not a baseline", () => {
    expect(() => parseBaselineText("- a\n- b\n", "b.yaml")).toThrow("(top level): expected a mapping of keys to values, got a list");
  });

  it("points at the line of an unquoted numeric account key", () => {
    expect(() => parseBaselineText("accounts:\n\n  1111: { name: x, environment: production }\n", "b.yaml")).toThrow("accounts.1111 (line 3)");
  });
});
