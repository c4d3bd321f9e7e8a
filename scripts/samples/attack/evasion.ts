/**
 * Defence evasion in production, now that no SCP protects logging:
 * trailwarden's own forwarding rules, the account's trails, GuardDuty,
 * Security Hub, AWS Config, VPC flow logs and their log group, DNS query
 * logging, and the load balancer's access logs.
 */
import { s3Call, trailArn } from "../calls.js";
import { ACCOUNTS } from "../organisation.js";
import type { Call, Json } from "../records.js";
import { ATTACK, CAST, type Story } from "./story.js";

const PROD = ACCOUNTS.prod.id;
const EUW1 = "eu-west-1";
const DETECTOR_ID = "4ab6e1f2c9d3b8a7e5f0c1d2a3b4c5d6";
const QUERY_LOG_CONFIG = "rqlc-5e2b8d1f4a7c9e03";
export const PROD_VPC = "vpc-0b3f5a7c9d1e2f468";

const call = (service: string, name: string, readOnly: boolean, params: Json | null = null, more: Partial<Call> = {}): Call => ({
  source: `${service}.amazonaws.com`,
  name,
  readOnly,
  params,
  ...more,
});

/** 13:38 */
export function blindProduction(s: Story): void {
  const A = ATTACK;
  const admin = CAST.admin(s);
  const who = `\`${A.createdUser}\``;
  const at = (time: string, c: Call, region = EUW1) => s.at(time, PROD, region, admin, c);

  at("13:38:00", call("events", "ListRules", true, { namePrefix: "trailwarden" }));
  at("13:38:20", call("events", "RemoveTargets", false, { rule: "trailwarden-cloudtrail.logging-stopped", ids: ["security-bus"], force: false }, { response: { failedEntryCount: 0, failedEntries: [] } }));
  at("13:38:35", call("events", "DisableRule", false, { name: "trailwarden-guardduty.detector-deleted-or-disabled" }));
  s.tell("13:38:00", who, "removes the target of trailwarden's StopLogging rule and disables its GuardDuty rule (the rules that forward events to the security account)", [
    "events.trailwarden-rule-tampered",
  ]);

  const reduced = trailArn(PROD, A.reducedTrail);
  const global = "us-east-1";
  at("13:39:10", call("cloudtrail", "DescribeTrails", true, { includeShadowTrails: false }), global);
  at("13:39:25", call("cloudtrail", "GetEventSelectors", true, { trailName: reduced }), global);
  at("13:39:31", call("cloudtrail", "GetTrailStatus", true, { name: reduced }), global);
  const selectors = [{ readWriteType: "ReadOnly", includeManagementEvents: false, dataResources: [{ type: "AWS::S3::Object", values: [] }], excludeManagementEventSources: [] }];
  at("13:40:00", call("cloudtrail", "PutEventSelectors", false, { trailName: reduced, eventSelectors: selectors }, { response: { trailARN: reduced, eventSelectors: selectors } }), global);
  at("13:40:40", call("cloudtrail", "StopLogging", false, { name: reduced }), global);
  at("13:41:30", call("cloudtrail", "DeleteTrail", false, { name: trailArn(PROD, A.deletedTrail, EUW1) }));
  s.tell("13:39:10", who, `trail \`${A.reducedTrail}\`: event selectors drop management events, then logging stops; the trail \`${A.deletedTrail}\` (eu-west-1) is deleted`, [
    "cloudtrail.event-selectors-changed",
    "cloudtrail.logging-stopped",
    "cloudtrail.trail-deleted",
  ]);

  const destination = "b7e4c1a9d2f35e8a6c0b1d2e3f4a5b6c";
  at("13:42:20", call("guardduty", "ListDetectors", true));
  at("13:42:35", call("guardduty", "ListPublishingDestinations", true, { detectorId: DETECTOR_ID }));
  at("13:42:50", call("guardduty", "DeletePublishingDestination", false, { detectorId: DETECTOR_ID, destinationId: destination }));
  at("13:43:05", call("guardduty", "UpdateDetector", false, { detectorId: DETECTOR_ID, enable: false, findingPublishingFrequency: "SIX_HOURS" }));
  at("13:43:40", call("securityhub", "DisableSecurityHub", false));
  s.tell("13:42:20", who, "deletes GuardDuty's findings export, suspends the detector, and disables Security Hub", [
    "guardduty.findings-export-removed",
    "guardduty.detector-deleted-or-disabled",
    "securityhub.disabled",
  ]);

  at("13:44:10", call("config", "DescribeConfigurationRecorders", true));
  at("13:44:25", call("config", "StopConfigurationRecorder", false, { configurationRecorderName: "default" }));
  at("13:44:40", call("config", "DeleteDeliveryChannel", false, { deliveryChannelName: "default" }));
  s.tell("13:44:10", who, "stops AWS Config's recorder and deletes its delivery channel", ["config.recorder-stopped", "config.delivery-channel-deleted"]);

  const flowLog = "fl-0c7e2a9b4d1f36058";
  at("13:45:20", call("ec2", "DescribeFlowLogs", true, { filterSet: {} }));
  at("13:45:35", call("ec2", "DeleteFlowLogs", false, { DeleteFlowLogsRequest: { FlowLogId: { content: flowLog, tag: 1 } } }, {
    response: { DeleteFlowLogsResponse: { unsuccessful: "", xmlns: "http://ec2.amazonaws.com/doc/2016-11-15/" } },
  }));
  at("13:46:00", call("logs", "DeleteLogGroup", false, { logGroupName: "/aws/vpc/flowlogs/payments-prod" }));
  at("13:46:40", call("route53resolver", "ListResolverQueryLogConfigs", true, { maxResults: 20 }));
  at("13:46:55", call("route53resolver", "DisassociateResolverQueryLogConfig", false, { resolverQueryLogConfigId: QUERY_LOG_CONFIG, resourceId: PROD_VPC }));
  at("13:47:20", call("route53resolver", "DeleteResolverQueryLogConfig", false, { resolverQueryLogConfigId: QUERY_LOG_CONFIG }));
  s.tell("13:45:20", who, "deletes the VPC's flow log and its log group, and detaches then deletes DNS query logging", [
    "ec2.flow-logs-deleted",
    "logs.security-log-group-deleted",
    "route53resolver.query-logging-removed",
  ]);

  const albLogs = "payments-prod-alb-logs";
  const rule = { ID: "cleanup", Status: "Enabled", Filter: { Prefix: "AWSLogs/" }, Expiration: { Days: 1 } };
  at("13:48:00", s3Call(s.g, PROD, EUW1, albLogs, "PutBucketLifecycle", false, { lifecycle: "", LifecycleConfiguration: { xmlns: "http://s3.amazonaws.com/doc/2006-03-01/", Rule: rule } }, { bytesIn: 288 }));
  s.tell("13:48:00", who, `has \`${albLogs}\` delete the load balancer's logs after a day`, ["s3.trail-bucket-lifecycle-shortened"]);
}
