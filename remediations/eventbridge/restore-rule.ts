import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  type DescribeRuleCommandOutput,
  type Target,
} from "@aws-sdk/client-eventbridge";
import { z } from "zod";
import { canonicalJson } from "../../core/canonical-json.js";
import type { Detector, FindingResource } from "../../core/detector.js";
import type { Finding } from "../../core/finding.js";
import { defineRemediation, type AwsClients, type Plan } from "../../core/remediation.js";
import { classifyAwsError, InvalidRequestError, ResourceNotFoundError } from "../../core/remediation-errors.js";
import { ruleFor, RULE_NAME_PREFIX, type DetectorRule } from "../../core/rules.js";
import { detectors } from "../../detectors/index.js";

/**
 * Puts one of trailwarden's own EventBridge rules back as deployed, after
 * events.trailwarden-rule-tampered saw it disabled, deleted or stripped of its
 * target. The deployed definition is not read from the account (the attacker
 * may have rewritten it): it is rebuilt from the registry, exactly as the
 * stack builds it, with core/rules.ts `ruleFor(detector)`. The rule's name
 * says which detector it serves: `<stack>-<detector id>` (stacks/Detection.ts,
 * cut to 64 characters) or `trailwarden-<detector id>` (core/rules.ts).
 *
 * The state goes back with PutRule, not EnableRule: EnableRule sets plain
 * ENABLED, which drops the read-only management events that some detectors
 * watch (CLOUDTRAIL.md, "Delivery"). PutRule leaves targets alone, so a
 * removed target is put back with PutTargets: the `detect` target with the
 * deployed input transformer, pointing at the function the rule's remaining
 * `detect` target names or, when it is gone, at the function ARN in the
 * environment variable TRAILWARDEN_DETECT_FUNCTION_ARN, which the remediate
 * function's deployment is to set (it counts only in the rule's account and
 * region, as EventBridge invokes Lambda targets only there; when set, a
 * detect target pointing anywhere else is drift too). Without either, plan
 * fails with InvalidRequestError: a rule without its target detects nothing. The function's invoke
 * permission is keyed on the rule's ARN, which a rule re-created under the
 * same name gets back, so it needs no restoring.
 */

const ID = "eventbridge.restore-rule";
/** The target id stacks/Detection.ts gives every rule's detect function. */
const DETECT_TARGET_ID = "detect";
const DETECT_FUNCTION_ARN_ENV = "TRAILWARDEN_DETECT_FUNCTION_ARN";
/** stacks/Detection.ts cuts rule names to EventBridge's limit. */
const MAX_RULE_NAME = 64;

const Restoration = z.object({
  name: z.string().min(1),
  eventBusName: z.string().min(1).optional(),
  description: z.string(),
  eventPattern: z.string().min(2),
  state: z.enum(["ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"]),
  /** Set when the detect target must be (re)written. */
  target: z.object({ id: z.string().min(1), arn: z.string().startsWith("arn:"), inputTemplate: z.string().min(1) }).optional(),
});
type Restoration = z.infer<typeof Restoration>;

/** The detector a rule serves, by its name; undefined when no detector, or more than one, fits. */
function detectorForRule(name: string): Detector | undefined {
  const exact = detectors.filter((d) => name === RULE_NAME_PREFIX + d.id || name.endsWith(`-${d.id}`));
  if (exact.length > 0) return exact.sort((a, b) => b.id.length - a.id.length)[0];
  if (name.length < MAX_RULE_NAME) return undefined;
  // A name cut at 64 characters ends with the start of the detector id: long enough to hold its service and dot.
  const cut = detectors.filter((d) =>
    [...name.matchAll(/-/g)].some((dash) => {
      const tail = name.slice(dash.index + 1);
      return tail.includes(".") && d.id.startsWith(tail);
    }),
  );
  return cut.length === 1 ? cut[0] : undefined;
}

interface RuleRef {
  resource: FindingResource;
  name: string;
  /** Undefined for the default bus. */
  bus?: string;
  region: string;
}

/** The rule from the finding; its bus from the ARN (`rule/NAME` on the default bus, `rule/BUS/NAME` on another). */
function findRule(finding: Finding): RuleRef | undefined {
  const resource = finding.resources.find((r) => r.type === "AWS::Events::Rule");
  if (!resource) return undefined;
  const path = resource.arn?.split(":rule/")[1] ?? "";
  const bus = path.includes("/") ? path.slice(0, path.indexOf("/")) : undefined;
  return { resource, name: resource.id, ...(bus ? { bus } : {}), region: resource.region ?? finding.region };
}

function deployed(finding: Finding): { rule: RuleRef; detector: Detector; definition: DetectorRule } {
  const rule = findRule(finding);
  if (!rule) throw new InvalidRequestError(`${ID}: finding ${finding.id} names no EventBridge rule`);
  const detector = detectorForRule(rule.name);
  if (!detector) throw new InvalidRequestError(`${ID}: rule ${rule.name} names no single trailwarden detector, so its deployed definition is unknown`);
  return { rule, detector, definition: ruleFor(detector) };
}

function samePattern(actual: string | undefined, expected: unknown): boolean {
  if (!actual) return false;
  try {
    return canonicalJson(JSON.parse(actual)) === canonicalJson(expected);
  } catch {
    return false;
  }
}

async function send<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw classifyAwsError(error);
  }
}

interface Observed {
  rule?: DescribeRuleCommandOutput;
  detectTarget?: Target;
}

/** The rule and its detect target as they are now; `rule` undefined when the rule was deleted. */
async function observe(aws: AwsClients, ref: RuleRef): Promise<Observed> {
  const events = aws.client(EventBridgeClient, ref.region);
  const bus = ref.bus ? { EventBusName: ref.bus } : {};
  let rule: DescribeRuleCommandOutput;
  try {
    rule = await send(() => events.send(new DescribeRuleCommand({ Name: ref.name, ...bus })));
  } catch (error) {
    if (error instanceof ResourceNotFoundError) return {};
    throw error;
  }
  const targets: Target[] = [];
  let token: string | undefined;
  do {
    const page = await send(() => events.send(new ListTargetsByRuleCommand({ Rule: ref.name, ...bus, NextToken: token })));
    targets.push(...(page.Targets ?? []));
    token = page.NextToken;
  } while (token);
  return { rule, detectTarget: targets.find((t) => t.Id === DETECT_TARGET_ID) };
}

/** The configured detect function, when it can serve this rule: EventBridge invokes Lambda targets in the rule's own account and region only. */
function configuredFunctionArn(ref: RuleRef, account: string): string | undefined {
  const configured = process.env[DETECT_FUNCTION_ARN_ENV]?.trim();
  const [, , service, region, owner] = configured?.split(":") ?? [];
  return configured && service === "lambda" && region === ref.region && owner === account ? configured : undefined;
}

/**
 * What differs from the deployed rule, in words (empty when it is as
 * deployed), whether the detect target must be written, and the function it
 * should point at: the configured one, else the one the rule still names.
 */
function drift(observed: Observed, definition: DetectorRule, configuredArn: string | undefined) {
  const functionArn = configuredArn ?? observed.detectTarget?.Arn;
  if (!observed.rule) return { differences: ["the rule is deleted"], rewriteTarget: true, functionArn };
  const differences: string[] = [];
  if (observed.rule.State !== definition.state) differences.push(`its state is ${observed.rule.State ?? "unknown"}, not ${definition.state}`);
  if (!samePattern(observed.rule.EventPattern, definition.eventPattern)) differences.push("its event pattern is not the deployed one");
  const target = observed.detectTarget;
  const targetDrift = !target
    ? `its ${DETECT_TARGET_ID} target is removed`
    : target.InputTransformer?.InputTemplate !== definition.inputTemplate
      ? `its ${DETECT_TARGET_ID} target's input is not the deployed one`
      : configuredArn && target.Arn !== configuredArn
        ? `its ${DETECT_TARGET_ID} target points at ${target.Arn ?? "nothing"}, not ${configuredArn}`
        : undefined;
  if (targetDrift) differences.push(targetDrift);
  return { differences, rewriteTarget: targetDrift !== undefined, functionArn };
}

export default defineRemediation({
  id: ID,
  title: "Restore a trailwarden EventBridge rule as deployed: pattern, state and detect target",
  risk: "low",
  permissions: [
    {
      actions: ["events:DescribeRule", "events:ListTargetsByRule", "events:PutRule", "events:PutTargets"],
      // Only trailwarden's own rules, on any bus: every deployed name contains "trailwarden".
      resources: ["arn:aws:events:*:*:rule/*trailwarden*"],
    },
  ],

  intent(finding) {
    const rule = findRule(finding);
    const detector = rule && detectorForRule(rule.name);
    if (!rule || !detector) return { summary: "Nothing to restore: the finding names no rule of a known trailwarden detector.", changes: [] };
    const definition = ruleFor(detector);
    const where = `${rule.name}${rule.bus ? ` on bus ${rule.bus}` : ""} in ${rule.region}`;
    return {
      summary: `Restore rule ${rule.name} as deployed for detector ${detector.id}.`,
      changes: [
        `events:PutRule ${where}: the deployed pattern of ${detector.id}, state ${definition.state}`,
        `events:PutTargets ${where}: target ${DETECT_TARGET_ID} → the detect function with the deployed input, if it was removed or changed`,
      ],
    };
  },

  async plan(finding, aws): Promise<Plan> {
    const { rule, detector, definition } = deployed(finding);
    const account = finding.account;
    const base = { remediation: ID, findingId: finding.id, account, region: rule.region, resource: rule.resource };
    const observed = await observe(aws, rule);
    const current = observed.rule
      ? { exists: true, state: observed.rule.State, eventPattern: observed.rule.EventPattern, detectTarget: observed.detectTarget ?? null }
      : { exists: false };
    const { differences, rewriteTarget, functionArn } = drift(observed, definition, configuredFunctionArn(rule, account));
    if (differences.length === 0) return { ...base, needed: false, summary: `Rule ${rule.name} is as deployed for ${detector.id}.`, current, intended: current };
    if (rewriteTarget && !functionArn) {
      throw new InvalidRequestError(
        `${ID}: rule ${rule.name} lost its ${DETECT_TARGET_ID} target and the detect function's ARN is unknown here: ` +
          `set ${DETECT_FUNCTION_ARN_ENV} to the detect function of account ${account} in ${rule.region}, or restore the rule by redeploying the stack`,
      );
    }
    const intended: Restoration = {
      name: rule.name,
      ...(rule.bus ? { eventBusName: rule.bus } : {}),
      description: definition.description,
      eventPattern: JSON.stringify(definition.eventPattern),
      state: definition.state,
      ...(rewriteTarget && functionArn ? { target: { id: DETECT_TARGET_ID, arn: functionArn, inputTemplate: definition.inputTemplate } } : {}),
    };
    return { ...base, needed: true, summary: `Restore rule ${rule.name} for ${detector.id}: ${differences.join("; ")}.`, current, intended };
  },

  async apply(plan, aws) {
    const parsed = Restoration.safeParse(plan.intended);
    if (!parsed.success) throw new InvalidRequestError(`${ID}: the plan's intended change is malformed: ${parsed.error.message}`);
    const { name, eventBusName, description, eventPattern, state, target } = parsed.data;
    const events = aws.client(EventBridgeClient, plan.region);
    const bus = eventBusName ? { EventBusName: eventBusName } : {};
    // PutRule and PutTargets overwrite with the same values the second time: nothing changes.
    await send(() => events.send(new PutRuleCommand({ Name: name, ...bus, Description: description, EventPattern: eventPattern, State: state })));
    if (!target) return;
    const result = await send(() =>
      events.send(
        new PutTargetsCommand({
          Rule: name,
          ...bus,
          Targets: [{ Id: target.id, Arn: target.arn, InputTransformer: { InputPathsMap: {}, InputTemplate: target.inputTemplate } }],
        }),
      ),
    );
    if (result.FailedEntryCount) {
      const reasons = (result.FailedEntries ?? []).map((e) => `${e.ErrorCode ?? "error"}: ${e.ErrorMessage ?? ""}`).join("; ");
      throw new InvalidRequestError(`${ID}: PutTargets refused the ${DETECT_TARGET_ID} target of ${name}: ${reasons}`);
    }
  },

  async verify(finding, aws) {
    const { rule, detector, definition } = deployed(finding);
    const account = finding.account;
    const { differences } = drift(await observe(aws, rule), definition, configuredFunctionArn(rule, account));
    return differences.length === 0
      ? { compliant: true, detail: `Rule ${rule.name} is as deployed for ${detector.id}.` }
      : { compliant: false, detail: `Rule ${rule.name}: ${differences.join("; ")}.` };
  },
});
