import { matchesAny } from "../../core/baseline.js";
import { principalArn, type CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { strings } from "../../core/policy.js";
import { actorName, API_CALL, field, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, root, USER_AGENTS, viaCloudFormation } from "../examples.js";

const REGION = "eu-west-1";
/** Deployed rules are named `<stack>-<detector id>` (stacks/Detection.ts) or `trailwarden-<detector id>` (core/rules.ts). */
const STACK_RULE = "prod-trailwarden-Detection-cloudtrail.logging-stopped";
const DEPLOY_ROLE = "arn:aws:iam::111122223333:role/security/trailwarden-deploy";

/** EventBridge speaks JSON: parameters are logged in camelCase, but read either casing. */
function text(record: CloudTrailRecord, key: string): string | undefined {
  const value = record.requestParameters ? field(record.requestParameters, key) : undefined;
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** A rule of trailwarden's own: every name the deployment gives one contains "trailwarden". */
function isTrailwardenRule(name: string): boolean {
  return /trailwarden/i.test(name);
}

/** The bus by name, from a name or an ARN (`…:event-bus/NAME`); the default bus is left out of the rule's ARN. */
function busName(record: CloudTrailRecord): string | undefined {
  const bus = text(record, "eventBusName");
  if (!bus) return undefined;
  const name = bus.startsWith("arn:") ? bus.slice(bus.indexOf(":event-bus/") + ":event-bus/".length) : bus;
  return name === "default" ? undefined : name;
}

function ruleResource(record: CloudTrailRecord, name: string): FindingResource {
  const bus = busName(record);
  return {
    type: "AWS::Events::Rule",
    id: name,
    arn: `arn:${partitionOf(record.awsRegion)}:events:${record.awsRegion}:${record.recipientAccountId}:rule/${bus ? `${bus}/` : ""}${name}`,
    account: record.recipientAccountId,
    region: record.awsRegion,
  };
}

/** What the call did to the rule, as a phrase around the rule's description, or undefined when it leaves the rule working. */
function tampering(record: CloudTrailRecord): { rule: string; action: (rule: string) => string } | undefined {
  switch (record.eventName) {
    case "DisableRule": {
      const rule = text(record, "name");
      return rule ? { rule, action: (named) => `disabled ${named}` } : undefined;
    }
    case "DeleteRule": {
      const rule = text(record, "name");
      return rule ? { rule, action: (named) => `deleted ${named}` } : undefined;
    }
    case "RemoveTargets": {
      const rule = text(record, "rule");
      if (!rule) return undefined;
      const ids = strings(record.requestParameters ? field(record.requestParameters, "ids") : undefined);
      const targets = `${ids.length === 1 ? "target" : "targets"} ${ids.join(", ") || "(ids not recorded)"}`;
      return { rule, action: (named) => `removed ${targets} from ${named}` };
    }
    case "PutRule": {
      const rule = text(record, "name");
      const state = text(record, "state");
      return rule && state?.toUpperCase() === "DISABLED" ? { rule, action: (named) => `set ${named} to DISABLED with PutRule` } : undefined;
    }
    default:
      return undefined;
  }
}

export default defineDetector({
  id: "events.trailwarden-rule-tampered",
  title: "A trailwarden EventBridge rule disabled, deleted or stripped of its targets",
  severity: "critical",
  mitre: ["T1562.001"],
  pattern: {
    source: ["aws.events"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["events.amazonaws.com"],
      eventName: ["DisableRule", "DeleteRule", "RemoveTargets", "PutRule"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    const change = tampering(record);
    if (!change || !isTrailwardenRule(change.rule)) return undefined;
    if (matchesAny(baseline.principals.securityAutomation, principalArn(record))) return undefined;
    return {
      summary: sentence(`${actorName(record)} ${change.action(`trailwarden's EventBridge rule ${change.rule}`)} in ${record.awsRegion}.`),
      resources: [ruleResource(record, change.rule)],
    };
  },
  remediation: "eventbridge.restore-rule",
  runbook:
    "Each trailwarden detector is one EventBridge rule; disabled, deleted or without its target, that detector sees nothing in this account and region from now " +
    "on, so whoever did this may be preparing exactly what it watches. Rules are recognised by name (every deployed name contains \"trailwarden\"); changes by " +
    "the baseline's securityAutomation principals, the pipeline's own deploy, are not reported, so list its deploy role there. Restore the rule as deployed " +
    "(the proposed remediation puts back the pattern, the state, which for read-only detectors must be ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS rather " +
    "than what EnableRule sets, and the target), then replay the CloudTrail logs of the gap with `trailwarden replay` to find what the rule missed. Treat the " +
    "caller as compromised unless the change is explained: revoke its sessions and keys. A refused call (errorCode such as AccessDeniedException) is not a " +
    "finding here: the rule still works, though an attempt on the detection pipeline is worth a look.",
  examples: {
    match: [
      {
        description: "An IAM user disables the rule of the StopLogging detector",
        record: apiCall({
          eventID: "64cfa959-03cb-4cd0-9b7f-cbc5e4166c6c",
          eventTime: "2024-11-18T01:03:27Z",
          eventSource: "events.amazonaws.com",
          eventName: "DisableRule",
          identity: iamUser("arn:aws:iam::111122223333:user/ops/j.smith"),
          region: REGION,
          requestParameters: { name: STACK_RULE },
        }),
      },
      {
        description: "A workload role removes the detect function from a rule's targets",
        record: apiCall({
          eventID: "e1b484d6-deca-4ea7-a315-3e73333db1df",
          eventTime: "2024-11-18T01:05:10Z",
          eventSource: "events.amazonaws.com",
          eventName: "RemoveTargets",
          identity: assumedRole("arn:aws:iam::111122223333:role/app/batch-runner", "i-0a1b2c3d4e5f60718"),
          region: REGION,
          requestParameters: { rule: "trailwarden-iam.admin-policy-attached", ids: ["detect"], force: false },
          responseElements: { failedEntryCount: 0, failedEntries: [] },
          userAgent: USER_AGENTS.boto3,
        }),
      },
      {
        description: "PutRule rewrites a rule with state DISABLED from the console",
        record: apiCall({
          eventID: "f030cf6f-8b55-4327-be8d-f7d30998a952",
          eventTime: "2024-11-18T01:07:44Z",
          eventSource: "events.amazonaws.com",
          eventName: "PutRule",
          identity: assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PowerUser_7d6c5b4a39281706", "m.brown@example.com"),
          region: REGION,
          requestParameters: {
            name: "prod-trailwarden-Detection-guardduty.detector-deleted-or-disabled",
            eventPattern: '{"source":["aws.guardduty"],"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventSource":["guardduty.amazonaws.com"]}}',
            state: "DISABLED",
            eventBusName: "default",
          },
          responseElements: { ruleArn: "arn:aws:events:eu-west-1:111122223333:rule/prod-trailwarden-Detection-guardduty.detector-deleted-or-disabled" },
          userAgent: USER_AGENTS.console,
        }),
      },
      {
        description: "The root user deletes a rule",
        record: apiCall({
          eventID: "7179da9a-e080-48be-b6c4-e9d9f9280d72",
          eventTime: "2024-11-18T01:09:02Z",
          eventSource: "events.amazonaws.com",
          eventName: "DeleteRule",
          identity: root(),
          region: REGION,
          requestParameters: { name: "trailwarden-s3.bucket-policy-public" },
        }),
      },
    ],
    noMatch: [
      {
        description: "The pipeline's deploy role, listed as security automation, deletes a rule while removing a detector",
        record: apiCall({
          eventID: "b53702a9-0091-4fe5-8200-e368478db99c",
          eventTime: "2024-11-20T10:15:33Z",
          eventSource: "events.amazonaws.com",
          eventName: "DeleteRule",
          identity: viaCloudFormation(assumedRole(DEPLOY_ROLE, "sst-deploy-prod")),
          region: REGION,
          requestParameters: { name: "prod-trailwarden-Detection-iam.user-created-outside-iac" },
        }),
        baseline: { principals: { securityAutomation: [DEPLOY_ROLE] } },
      },
      {
        description: "An application's own scheduled rule disabled: not a trailwarden rule",
        record: apiCall({
          eventID: "7596db70-c915-4c63-aeb2-b868da21a2ee",
          eventTime: "2024-11-19T17:40:21Z",
          eventSource: "events.amazonaws.com",
          eventName: "DisableRule",
          identity: iamUser("arn:aws:iam::111122223333:user/ops/j.smith"),
          region: REGION,
          requestParameters: { name: "orders-nightly-reconciliation" },
        }),
      },
      {
        description: "A deploy's PutRule that keeps a trailwarden rule ENABLED",
        record: apiCall({
          eventID: "e310575c-26d0-40eb-894a-15b6b71d107f",
          eventTime: "2024-11-20T10:14:02Z",
          eventSource: "events.amazonaws.com",
          eventName: "PutRule",
          identity: viaCloudFormation(assumedRole("arn:aws:iam::111122223333:role/ci/github-actions-deploy", "GitHubActions")),
          region: REGION,
          requestParameters: {
            name: STACK_RULE,
            eventPattern: '{"source":["aws.cloudtrail"],"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventSource":["cloudtrail.amazonaws.com"],"eventName":["StopLogging"],"errorCode":[{"exists":false}]}}',
            state: "ENABLED",
          },
        }),
      },
      {
        description: "A DisableRule refused by an SCP: the rule keeps working",
        record: apiCall({
          eventID: "593f4f4d-ce1d-4537-8d08-d9993eee7e47",
          eventTime: "2024-11-18T01:02:05Z",
          eventSource: "events.amazonaws.com",
          eventName: "DisableRule",
          identity: iamUser("arn:aws:iam::111122223333:user/ops/j.smith"),
          region: REGION,
          requestParameters: { name: STACK_RULE },
          error: {
            code: "AccessDeniedException",
            message: `User: arn:aws:iam::111122223333:user/ops/j.smith is not authorized to perform: events:DisableRule on resource: arn:aws:events:eu-west-1:111122223333:rule/${STACK_RULE} with an explicit deny in a service control policy`,
          },
        }),
      },
    ],
  },
});
