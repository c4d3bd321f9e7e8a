/**
 * The management account, with the automation user's key found in a secret:
 * the SCP that protects logging detached and deleted, the region guard
 * rewritten to deny nothing, and GuardDuty's delegated administrator (the
 * security account) removed, so that nobody sees production's findings.
 */
import { policyJson } from "../calls.js";
import { ACCOUNTS, ORG_ID, SCPS } from "../organisation.js";
import type { Call, Json } from "../records.js";
import { ATTACK, CAST, type Story } from "./story.js";

const MGMT = ACCOUNTS.management.id;
const organizations = (name: string, readOnly: boolean, params?: Json, response?: Json): Call => ({ source: "organizations.amazonaws.com", name, readOnly, params, response });

function policySummary(policyId: string, name: string): Json {
  return {
    id: policyId,
    arn: `arn:aws:organizations::${MGMT}:policy/${ORG_ID}/service_control_policy/${policyId}`,
    name,
    description: "",
    type: "SERVICE_CONTROL_POLICY",
    awsManaged: false,
  };
}

/** 13:28 */
export function takeManagement(s: Story): void {
  const A = ATTACK;
  const org = CAST.management();
  const at = (time: string, call: Call) => s.at(time, MGMT, "us-east-1", org, call);
  at("13:28:05", { source: "sts.amazonaws.com", name: "GetCallerIdentity", readOnly: true });
  at("13:28:20", organizations("DescribeOrganization", true));
  at("13:28:34", organizations("ListRoots", true));
  at("13:28:51", organizations("ListPolicies", true, { filter: "SERVICE_CONTROL_POLICY" }));
  at("13:29:12", organizations("DescribePolicy", true, { policyId: A.scp }));
  at("13:29:30", organizations("ListTargetsForPolicy", true, { policyId: A.scp }));
  at("13:30:15", organizations("DetachPolicy", false, { policyId: A.scp, targetId: A.scpTarget }));
  at("13:30:48", organizations("DeletePolicy", false, { policyId: A.scp }));
  s.tell("13:28:05", `\`${A.managementUser}\` (management account), with the key from the secret`, "detaches the SCP that protects logging from the production OU, then deletes it", [
    "organizations.scp-detached-or-deleted",
  ]);
  at("13:31:30", organizations("DescribePolicy", true, { policyId: SCPS.regionGuard }));
  const content = policyJson([{ Sid: "AllowAll", Effect: "Allow", Action: "*", Resource: "*" }]);
  at("13:32:10", organizations("UpdatePolicy", false, { policyId: SCPS.regionGuard, content }, { policy: { policySummary: policySummary(SCPS.regionGuard, "region-guard"), content } }));
  s.tell("13:31:30", `\`${A.managementUser}\``, "rewrites the SCP that kept everyone to the three regions: it now denies nothing", ["organizations.scp-changed"]);
  at("13:33:00", organizations("ListDelegatedAdministrators", true, { servicePrincipal: "guardduty.amazonaws.com" }));
  at("13:33:30", organizations("DeregisterDelegatedAdministrator", false, { accountId: ACCOUNTS.security.id, servicePrincipal: "guardduty.amazonaws.com" }));
  s.tell("13:33:00", `\`${A.managementUser}\``, "removes the security account as GuardDuty's delegated administrator", ["organizations.delegated-admin-changed"]);
}
