/**
 * Initial access and privilege escalation: a phished IAM user's console
 * session, a key for a service user, that key's trial-and-error discovery, and
 * an admin user of the attacker's own.
 */
import { accessKeyCreated, iamRead, iamResource, iamWrite, policyJson, signInCall, userInfo } from "../calls.js";
import { ACCOUNTS, ATTACKER_IPS } from "../organisation.js";
import { LIST_BUCKETS } from "../reads.js";
import type { Call, Json } from "../records.js";
import { awsDate } from "../time.js";
import { ATTACK, CAST, createdUserKey, denied, otherUserKey, type Story } from "./story.js";

const PROD = ACCOUNTS.prod.id;
const LEGACY_POLICY = `arn:aws:iam::${PROD}:policy/legacy/reporting-iam-sync`;

export const consoleLogin = (): Call =>
  signInCall("ConsoleLogin", {
    LoginTo: "https://console.aws.amazon.com/console/home?hashArgs=%23&isauthcode=true&state=hashArgsFromTB_us-east-1_a81f0c3e6d2b9475",
    MobileVersion: "No",
    MFAUsed: "No",
  });

/** 13:02: the phished user signs in (a failed attempt first), looks around, and creates a key for the service user. */
export function initialAccess(s: Story): void {
  const A = ATTACK;
  const failed = s.at(0, PROD, "us-east-1", CAST.signIn(), { ...consoleLogin(), error: { code: "", message: "Failed authentication" } });
  // A failed console login has errorMessage but no errorCode, and still a ConsoleLogin response.
  delete failed.errorCode;
  failed.responseElements = { ConsoleLogin: "Failure" };
  s.at(31, PROD, "us-east-1", CAST.signIn(), consoleLogin());
  s.tell(0, `\`${A.phishedUser}\` (phished legacy IAM user, VPN exit ${ATTACKER_IPS.vpn})`, "a failed console sign-in, then a successful one without MFA, from outside the office and VPN ranges", [
    "signin.console-login-without-mfa",
    "changes.human-call-from-outside-networks",
  ]);

  const web = CAST.console();
  const recon: [number, Call][] = [
    [74, iamRead("GetAccountSummary")],
    [88, iamRead("ListUsers", { maxItems: 100 })],
    [95, iamRead("ListRoles", { maxItems: 100 })],
    [131, iamRead("ListAttachedUserPolicies", { userName: A.phishedUser })],
    [140, iamRead("ListGroupsForUser", { userName: A.phishedUser })],
    [188, LIST_BUCKETS(s.g, PROD, "eu-west-1")],
    [236, { source: "cloudtrail.amazonaws.com", name: "DescribeTrails", readOnly: true, params: { includeShadowTrails: true }, region: "eu-west-1" }],
    [251, { source: "organizations.amazonaws.com", name: "ListAccounts", readOnly: true, error: { code: "AccessDeniedException", message: "You don't have permissions to access this resource." } }],
    [302, iamRead("ListAttachedUserPolicies", { userName: A.otherUser })],
    [318, iamRead("GetPolicyVersion", { policyArn: LEGACY_POLICY, versionId: "v3" })],
    [420, iamRead("ListAccessKeys", { userName: A.otherUser })],
  ];
  for (const [offset, call] of recon) s.at(offset, PROD, "eu-west-1", web, call);
  s.tell(74, `\`${A.phishedUser}\`, console`, "looks around IAM, S3 and CloudTrail; `ListAccounts` is refused");
  s.at(455, PROD, "eu-west-1", web, iamWrite("CreateAccessKey", { userName: A.otherUser }, { response: accessKeyCreated(A.otherUser, otherUserKey(s), s.start + 455_000) }));
  s.tell(455, `\`${A.phishedUser}\`, console`, `creates an access key for the service user \`${A.otherUser}\`, by hand in production`, [
    "iam.access-key-created-for-other-user",
    "changes.clickops-in-production",
  ]);
}

/** What the service user's key tries, in the order an enumerate-iam style tool does: most of it is refused. */
function enumeration(s: Story): Call[] {
  const call = (service: string, name: string, params: Json | null = null, allowed = false, region?: string): Call => ({
    source: `${service}.amazonaws.com`,
    name,
    readOnly: true,
    params,
    ...(region ? { region } : {}),
    ...(allowed ? {} : { error: denied(service, name.replace(/20\d{6}.*$/, "")) }),
  });
  return [
    call("sts", "GetCallerIdentity", null, true),
    iamRead("ListAttachedUserPolicies", { userName: ATTACK.otherUser }),
    iamRead("GetPolicyVersion", { policyArn: LEGACY_POLICY, versionId: "v1" }),
    iamRead("ListPolicyVersions", { policyArn: LEGACY_POLICY }),
    call("ec2", "DescribeInstances", { instancesSet: {}, filterSet: {} }),
    call("ec2", "DescribeSnapshots", { snapshotSet: {}, ownersSet: { items: [{ owner: "self" }] }, sharedUsersSet: {}, filterSet: {} }),
    call("ec2", "DescribeSecurityGroups", { securityGroupSet: {}, securityGroupIdSet: {}, filterSet: {} }),
    call("ec2", "DescribeVpcs", { vpcSet: {}, filterSet: {} }),
    call("lambda", "ListFunctions20150331", { functionVersion: "ALL" }),
    call("rds", "DescribeDBInstances"),
    call("dynamodb", "ListTables"),
    call("secretsmanager", "ListSecrets", { maxResults: 100 }),
    call("ssm", "DescribeParameters"),
    call("kms", "ListKeys", { limit: 1000 }),
    call("sqs", "ListQueues"),
    call("cloudtrail", "DescribeTrails", { includeShadowTrails: true }),
    call("guardduty", "ListDetectors"),
    call("organizations", "DescribeOrganization"),
    call("ecr", "DescribeRepositories"),
    call("ecs", "ListClusters"),
    call("logs", "DescribeLogGroups", { limit: 50 }),
    call("cloudformation", "DescribeStacks"),
    call("elasticloadbalancing", "DescribeLoadBalancers"),
    call("config", "DescribeConfigurationRecorders"),
    call("securityhub", "GetEnabledStandards"),
    call("athena", "ListWorkGroups"),
    call("ses", "GetSendQuota"),
    call("ses", "ListIdentities", { identityType: "EmailAddress", maxItems: 100 }),
    call("bedrock", "ListFoundationModels"),
    iamRead("ListUsers", { maxItems: 100 }),
    iamRead("ListRoles", { maxItems: 100 }),
    LIST_BUCKETS(s.g, PROD, "eu-west-1"),
  ];
}

/** 13:12: the service user's key: discovery by trial and error, then escalation through its own policy's old version. */
export function escalation(s: Story): void {
  const A = ATTACK;
  const svc = CAST.service(s);
  s.run("13:12:30", 2, PROD, "eu-west-1", svc, enumeration(s));
  s.tell("13:12:30", `\`${A.otherUser}\`, aws-cli, same VPN exit`, "tries some thirty read calls across services in a minute; most are refused, SES's sending quota and identities among them", [
    "iam.access-denied-storm",
    "ses.enumeration",
    "changes.human-call-from-outside-networks",
  ]);
  s.at("13:14:05", PROD, "us-east-1", svc, iamWrite("SetDefaultPolicyVersion", { policyArn: LEGACY_POLICY, versionId: "v1" }));
  s.tell("13:14:05", `\`${A.otherUser}\``, "makes v1 of its own legacy policy the default again: v1 allowed `iam:*`", ["iam.policy-default-version-changed"]);
  const created = (time: string) => s.start + s.offset(time) * 1000;
  const iam = (time: string, call: Call) => s.at(time, PROD, "us-east-1", svc, call);
  iam("13:14:30", iamWrite("CreateUser", { userName: A.createdUser }, {
    response: { user: userInfo(PROD, A.createdUser, "/", created("13:14:30")) },
    resources: [iamResource(PROD, "user", A.createdUser)],
  }));
  iam("13:14:42", iamWrite("AttachUserPolicy", { userName: A.createdUser, policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }));
  iam("13:14:55", iamWrite("CreateAccessKey", { userName: A.createdUser }, { response: accessKeyCreated(A.createdUser, createdUserKey(s), created("13:14:55")) }));
  iam("13:15:11", iamWrite("PutUserPolicy", { userName: A.otherUser, policyName: "ReportingBackfill", policyDocument: policyJson([{ Effect: "Allow", Action: "*", Resource: "*" }]) }));
  iam("13:15:33", iamWrite("CreateLoginProfile", { userName: A.createdUser, passwordResetRequired: false }, {
    response: { loginProfile: { userName: A.createdUser, createDate: awsDate(created("13:15:33")), passwordResetRequired: false } },
  }));
  s.tell("13:14:30", `\`${A.otherUser}\``, `creates user \`${A.createdUser}\`, attaches \`AdministratorAccess\` to it, gives it a key and a console password, and puts an inline \`*\`/\`*\` policy on itself`, [
    "iam.user-created-outside-iac",
    "iam.admin-policy-attached",
    "iam.access-key-created-for-other-user",
    "iam.login-profile-for-other-user",
  ]);
}
