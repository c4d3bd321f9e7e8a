import { randomUUID } from "node:crypto";
import { CloudTrailClient, CreateTrailCommand, GetTrailStatusCommand, StartLoggingCommand, StopLoggingCommand } from "@aws-sdk/client-cloudtrail";
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, CreateSnapshotCommand, CreateVolumeCommand, CreateVpcCommand, DescribeSecurityGroupsCommand, DescribeSnapshotAttributeCommand, EC2Client, ModifySnapshotAttributeCommand } from "@aws-sdk/client-ec2";
import { DescribeRuleCommand, DisableRuleCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreateLoginProfileCommand, CreatePolicyCommand, CreatePolicyVersionCommand, CreateRoleCommand, CreateUserCommand, GetLoginProfileCommand, GetRoleCommand, GetRolePolicyCommand, GetUserPolicyCommand, IAMClient, ListAccessKeysCommand, ListAttachedUserPoliciesCommand, ListPolicyVersionsCommand, NoSuchEntityException, PutRolePolicyCommand, SetDefaultPolicyVersionCommand } from "@aws-sdk/client-iam";
import { CreateKeyCommand, DescribeKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from "@aws-sdk/client-kms";
import { AttachPolicyCommand, CreateOrganizationalUnitCommand, CreateOrganizationCommand, CreatePolicyCommand as CreateOrgPolicyCommand, DetachPolicyCommand, ListPoliciesForTargetCommand, ListRootsCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { expect } from "vitest";
import { parseBaseline } from "../../core/baseline.js";
import { type Finding } from "../../core/finding.js";
import { parsePolicyDocument } from "../../core/policy.js";
import { ruleFor } from "../../core/rules.js";
import loggingStopped from "../../detectors/cloudtrail/logging-stopped.js";
import openAdminPort from "../../detectors/ec2/security-group-open-admin-port.js";
import snapshotShared from "../../detectors/ec2/snapshot-shared.js";
import ruleTampered from "../../detectors/events/trailwarden-rule-tampered.js";
import { assumedRole, iamUser } from "../../detectors/examples.js";
import keyCreatedForOtherUser from "../../detectors/iam/access-key-created-for-other-user.js";
import adminPolicyAttached from "../../detectors/iam/admin-policy-attached.js";
import loginProfileForOtherUser from "../../detectors/iam/login-profile-for-other-user.js";
import defaultVersionChanged from "../../detectors/iam/policy-default-version-changed.js";
import roleTrustUntrusted from "../../detectors/iam/role-trust-untrusted-account.js";
import { detectors } from "../../detectors/index.js";
import keyDeletionScheduled from "../../detectors/kms/key-deletion-scheduled.js";
import scpDetachedOrDeleted from "../../detectors/organizations/scp-detached-or-deleted.js";
import bulkSecretReads from "../../detectors/secretsmanager/bulk-secret-reads.js";
import federationToken from "../../detectors/sts/federation-token.js";
import { QUARANTINE_POLICY, QUARANTINE_POLICY_NAME } from "../../remediations/iam/quarantine-principal.js";
import { remediations as registry } from "../../remediations/registry.js";
import { motoClientConfig } from "./aws.js";
import { MOTO_ACCOUNT, findingFromExample, type HarnessOptions } from "./remediation-fixtures.js";
import { S3_SCENARIOS } from "./remediation-scenarios-s3.js";

// ---------------------------------------------------------------------------
// Scenarios: one non-compliant resource per remediation, made in moto through the real SDK

export interface Scenario {
  /** The remediation the finding proposes. */
  remediation: string;
  /** What was done to the resource. */
  name: string;
  /**
   * Makes the resource non-compliant in moto and returns the finding about
   * it, how to read it back compliant, and any client settings the
   * remediation's clients need beyond the harness's moto defaults.
   */
  arrange(): Promise<{ finding: Finding; readBack: () => Promise<void>; harness?: Pick<HarnessOptions, "clientConfig" | "adjustClient"> }>;
}

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const ec2TrustPolicy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] });
const ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess";
const ADMIN_DOCUMENT = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });
const BACKUP_ACCOUNT = "222233334444";
const OUTSIDE_ACCOUNT = "999988887777";
const ATTACKER_ACCOUNT = "193672423079";
const DETECT_FUNCTION = `arn:aws:lambda:us-east-1:${MOTO_ACCOUNT}:function:prod-trailwarden-Detection-Detect`;

/** An EC2 IP permission as CloudTrail logs it in AuthorizeSecurityGroupIngress. */
function loggedPermission(port: number, v4: string[], v6: string[] = []) {
  return {
    ipProtocol: "tcp",
    fromPort: port,
    toPort: port,
    ipRanges: v4.length ? { items: v4.map((cidrIp) => ({ cidrIp })) } : {},
    ipv6Ranges: v6.length ? { items: v6.map((cidrIpv6) => ({ cidrIpv6 })) } : {},
  };
}

async function roleWithPolicy(iam: IAMClient, policyName: string): Promise<string> {
  const roleName = unique("orders-api");
  await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: ec2TrustPolicy }));
  await iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: policyName, PolicyDocument: ADMIN_DOCUMENT }));
  return roleName;
}

async function gone(promise: Promise<unknown>): Promise<boolean> {
  try {
    await promise;
    return false;
  } catch (error) {
    if (error instanceof NoSuchEntityException) return true;
    throw error;
  }
}

const NON_S3_SCENARIOS: Scenario[] = [
  {
    remediation: "cloudtrail.restart-logging",
    name: "a stopped trail",
    async arrange() {
      const config = motoClientConfig();
      const bucket = `trailwarden-logs-${randomUUID()}`;
      const name = unique("trailwarden-it");
      await new S3Client(config).send(new CreateBucketCommand({ Bucket: bucket }));
      const cloudtrail = new CloudTrailClient(config);
      const { TrailARN } = await cloudtrail.send(new CreateTrailCommand({ Name: name, S3BucketName: bucket }));
      await cloudtrail.send(new StartLoggingCommand({ Name: name }));
      await cloudtrail.send(new StopLoggingCommand({ Name: name }));
      const finding = findingFromExample(loggingStopped, 1, { recipientAccountId: MOTO_ACCOUNT, awsRegion: "us-east-1", requestParameters: { name: TrailARN } });
      return { finding, readBack: async () => expect((await cloudtrail.send(new GetTrailStatusCommand({ Name: name }))).IsLogging).toBe(true) };
    },
  },
  {
    remediation: "ec2.make-snapshot-private",
    name: "a snapshot shared with everyone and an unknown account",
    async arrange() {
      const ec2 = new EC2Client(motoClientConfig());
      const volume = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 1 }))).VolumeId!;
      const snapshot = (await ec2.send(new CreateSnapshotCommand({ VolumeId: volume, Description: unique("trailwarden-it") }))).SnapshotId!;
      const attribute = { SnapshotId: snapshot, Attribute: "createVolumePermission" as const };
      await ec2.send(new ModifySnapshotAttributeCommand({ ...attribute, OperationType: "add", GroupNames: ["all"] }));
      await ec2.send(new ModifySnapshotAttributeCommand({ ...attribute, OperationType: "add", UserIds: [BACKUP_ACCOUNT, OUTSIDE_ACCOUNT] }));
      const added = [{ group: "all" }, { userId: BACKUP_ACCOUNT }, { userId: OUTSIDE_ACCOUNT }];
      const finding = findingFromExample(
        snapshotShared,
        2,
        {
          recipientAccountId: MOTO_ACCOUNT,
          awsRegion: "us-east-1",
          requestParameters: { snapshotId: snapshot, attributeType: "CREATE_VOLUME_PERMISSION", createVolumePermission: { add: { items: added } } },
        },
        parseBaseline({ accounts: { [BACKUP_ACCOUNT]: { name: "backup", environment: "security" } } }),
      );
      return {
        finding,
        readBack: async () =>
          expect((await ec2.send(new DescribeSnapshotAttributeCommand(attribute))).CreateVolumePermissions).toEqual([{ UserId: BACKUP_ACCOUNT }]),
      };
    },
  },
  {
    remediation: "ec2.revoke-open-ingress",
    name: "SSH and RDP open to the world",
    async arrange() {
      const ec2 = new EC2Client(motoClientConfig());
      const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.20.0.0/16" }))).Vpc!.VpcId!;
      const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: unique("trailwarden-it"), Description: "test", VpcId: vpc }));
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId,
          IpPermissions: [
            { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
            { IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }, { CidrIp: "203.0.113.0/24" }] },
            { IpProtocol: "tcp", FromPort: 3389, ToPort: 3389, Ipv6Ranges: [{ CidrIpv6: "::/0" }] },
          ],
        }),
      );
      const finding = findingFromExample(openAdminPort, 1, {
        recipientAccountId: MOTO_ACCOUNT,
        awsRegion: "us-east-1",
        requestParameters: {
          groupId: GroupId,
          ipPermissions: { items: [loggedPermission(443, ["0.0.0.0/0"]), loggedPermission(22, ["0.0.0.0/0", "203.0.113.0/24"]), loggedPermission(3389, [], ["::/0"])] },
        },
        responseElements: { _return: true },
      });
      return {
        finding,
        readBack: async () => {
          const left = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [GroupId!] }))).SecurityGroups![0]!.IpPermissions!;
          const ranges = left.flatMap((p) => [...(p.IpRanges ?? []).map((r) => `${p.FromPort} ${r.CidrIp}`), ...(p.Ipv6Ranges ?? []).map((r) => `${p.FromPort} ${r.CidrIpv6}`)]);
          expect(ranges.sort()).toEqual(["22 203.0.113.0/24", "443 0.0.0.0/0"]);
        },
      };
    },
  },
  {
    remediation: "eventbridge.restore-rule",
    name: "a disabled detector rule",
    async arrange() {
      const events = new EventBridgeClient(motoClientConfig());
      const detector = detectors.find((d) => d.id === "ec2.user-data-read")!;
      const deployed = ruleFor(detector);
      const name = `t${randomUUID().slice(0, 6)}-trailwarden-Detection-${detector.id}`;
      await events.send(new PutRuleCommand({ Name: name, Description: deployed.description, EventPattern: JSON.stringify(deployed.eventPattern), State: deployed.state }));
      await events.send(
        new PutTargetsCommand({ Rule: name, Targets: [{ Id: "detect", Arn: DETECT_FUNCTION, InputTransformer: { InputPathsMap: {}, InputTemplate: deployed.inputTemplate } }] }),
      );
      await events.send(new DisableRuleCommand({ Name: name }));
      const finding = findingFromExample(ruleTampered, 0, { recipientAccountId: MOTO_ACCOUNT, awsRegion: "us-east-1", requestParameters: { name } });
      return { finding, readBack: async () => expect((await events.send(new DescribeRuleCommand({ Name: name }))).State).toBe(deployed.state) };
    },
  },
  {
    remediation: "iam.deactivate-access-key",
    name: "an access key made for another user",
    async arrange() {
      const iam = new IAMClient(motoClientConfig());
      const userName = unique("backdoor-user");
      await iam.send(new CreateUserCommand({ UserName: userName }));
      const own = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!.AccessKeyId!;
      const created = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!.AccessKeyId!;
      const example = keyCreatedForOtherUser.examples.match[0]!.record as { responseElements: { accessKey: Record<string, unknown> } };
      const finding = findingFromExample(keyCreatedForOtherUser, 0, {
        recipientAccountId: MOTO_ACCOUNT,
        requestParameters: { userName },
        responseElements: { accessKey: { ...example.responseElements.accessKey, userName, accessKeyId: created } },
      });
      return {
        finding,
        readBack: async () => {
          const keys = (await iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? [];
          expect(Object.fromEntries(keys.map((k) => [k.AccessKeyId, k.Status]))).toEqual({ [own]: "Active", [created]: "Inactive" });
        },
      };
    },
  },
  {
    remediation: "iam.delete-login-profile",
    name: "a password set for another user",
    async arrange() {
      const iam = new IAMClient(motoClientConfig());
      const userName = unique("login-profile-user");
      await iam.send(new CreateUserCommand({ UserName: userName }));
      await iam.send(new CreateLoginProfileCommand({ UserName: userName, Password: `Tw-${randomUUID()}` }));
      const example = loginProfileForOtherUser.examples.match[0]!.record as { requestParameters: Record<string, unknown> };
      const finding = findingFromExample(loginProfileForOtherUser, 0, { recipientAccountId: MOTO_ACCOUNT, requestParameters: { ...example.requestParameters, userName } });
      return { finding, readBack: async () => expect(await gone(iam.send(new GetLoginProfileCommand({ UserName: userName })))).toBe(true) };
    },
  },
  {
    remediation: "iam.detach-admin-policy",
    name: "AdministratorAccess attached to a user",
    async arrange() {
      const iam = new IAMClient(motoClientConfig());
      const userName = unique("malicious-iam-user");
      await iam.send(new CreateUserCommand({ UserName: userName }));
      await iam.send(new AttachUserPolicyCommand({ UserName: userName, PolicyArn: ADMIN_POLICY }));
      const example = adminPolicyAttached.examples.match[0]!.record as { requestParameters: Record<string, unknown> };
      const finding = findingFromExample(adminPolicyAttached, 0, { recipientAccountId: MOTO_ACCOUNT, requestParameters: { ...example.requestParameters, userName } });
      return {
        finding,
        readBack: async () => {
          const { AttachedPolicies } = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: userName }));
          expect((AttachedPolicies ?? []).map((p) => p.PolicyArn)).not.toContain(ADMIN_POLICY);
        },
      };
    },
  },
  {
    remediation: "iam.detach-admin-policy",
    name: "an inline admin policy put on a role",
    async arrange() {
      const iam = new IAMClient(motoClientConfig());
      const roleName = await roleWithPolicy(iam, "debug");
      const example = adminPolicyAttached.examples.match[3]!.record as { requestParameters: Record<string, unknown> };
      const finding = findingFromExample(adminPolicyAttached, 3, { recipientAccountId: MOTO_ACCOUNT, requestParameters: { ...example.requestParameters, roleName } });
      return { finding, readBack: async () => expect(await gone(iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: "debug" })))).toBe(true) };
    },
  },
  {
    remediation: "iam.quarantine-principal",
    name: "an IAM user that asked for a federation token",
    async arrange() {
      const iam = new IAMClient(motoClientConfig());
      const userName = unique("federation-user");
      await iam.send(new CreateUserCommand({ UserName: userName }));
      const finding = findingFromExample(federationToken, 0, { recipientAccountId: MOTO_ACCOUNT, userIdentity: iamUser(`arn:aws:iam::${MOTO_ACCOUNT}:user/${userName}`) });
      return {
        finding,
        readBack: async () => {
          const { PolicyDocument } = await iam.send(new GetUserPolicyCommand({ UserName: userName, PolicyName: QUARANTINE_POLICY_NAME }));
          expect(parsePolicyDocument(PolicyDocument)).toEqual(QUARANTINE_POLICY);
        },
      };
    },
  },
  {
    remediation: "iam.quarantine-principal",
    name: "a role whose session read secrets in bulk",
    async arrange() {
      const iam = new IAMClient(motoClientConfig());
      const roleName = unique("orders-api");
      await iam.send(new CreateRoleCommand({ RoleName: roleName, Path: "/app/", AssumeRolePolicyDocument: ec2TrustPolicy }));
      const finding = findingFromExample(bulkSecretReads, 0, {
        recipientAccountId: MOTO_ACCOUNT,
        userIdentity: assumedRole(`arn:aws:iam::${MOTO_ACCOUNT}:role/app/${roleName}`, "i-0f3c9d2e1b4a56789"),
      });
      return {
        finding,
        readBack: async () => {
          const { PolicyDocument } = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: QUARANTINE_POLICY_NAME }));
          expect(parsePolicyDocument(PolicyDocument)).toEqual(QUARANTINE_POLICY);
        },
      };
    },
  },
  {
    remediation: "iam.remove-untrusted-trust-statements",
    name: "an attacker's account added to a role's trust",
    async arrange() {
      const iam = new IAMClient(motoClientConfig());
      const roleName = unique("backdoor-role");
      const service = { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" };
      const attacker = { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ATTACKER_ACCOUNT}:root` }, Action: "sts:AssumeRole" };
      const policy = { Version: "2012-10-17", Statement: [service, attacker] };
      await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(policy) }));
      const finding = findingFromExample(roleTrustUntrusted, 0, { recipientAccountId: MOTO_ACCOUNT, requestParameters: { roleName, policyDocument: JSON.stringify(policy, null, 2) } });
      return {
        finding,
        readBack: async () => {
          const { Role } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
          expect(parsePolicyDocument(Role?.AssumeRolePolicyDocument)).toEqual({ Version: "2012-10-17", Statement: [service] });
        },
      };
    },
  },
  {
    remediation: "iam.restore-policy-default-version",
    name: "a managed policy rolled back to a broader version",
    async arrange() {
      const iam = new IAMClient(motoClientConfig());
      const document = (action: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: action, Resource: "*" }] });
      const { Policy } = await iam.send(new CreatePolicyCommand({ PolicyName: unique("orders-deploy"), Path: "/ci/", PolicyDocument: document("*") }));
      const policyArn = Policy!.Arn!;
      await iam.send(new CreatePolicyVersionCommand({ PolicyArn: policyArn, PolicyDocument: document("s3:*"), SetAsDefault: true }));
      await iam.send(new CreatePolicyVersionCommand({ PolicyArn: policyArn, PolicyDocument: document("s3:GetObject"), SetAsDefault: true }));
      await iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: policyArn, VersionId: "v1" }));
      // The event's time, just after now in CloudTrail's whole seconds: the versions before it are the candidates.
      const eventTime = new Date(Date.now() + 2000).toISOString().replace(/\.\d{3}Z$/, "Z");
      const finding = findingFromExample(defaultVersionChanged, 0, { eventTime, recipientAccountId: MOTO_ACCOUNT, requestParameters: { policyArn, versionId: "v1" } });
      return {
        finding,
        readBack: async () => {
          const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: policyArn }))).Versions ?? [];
          expect(versions.find((v) => v.IsDefaultVersion)?.VersionId).toBe("v3");
        },
      };
    },
  },
  {
    remediation: "kms.cancel-key-deletion",
    name: "a key scheduled for deletion",
    async arrange() {
      const kms = new KMSClient(motoClientConfig());
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: unique("trailwarden-it") }));
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: KeyMetadata!.KeyId, PendingWindowInDays: 7 }));
      const arn = KeyMetadata!.Arn!;
      const finding = findingFromExample(keyDeletionScheduled, 0, {
        recipientAccountId: MOTO_ACCOUNT,
        awsRegion: "us-east-1",
        requestParameters: { keyId: arn, pendingWindowInDays: 7 },
        responseElements: { keyId: arn, keyState: "PendingDeletion", pendingWindowInDays: 7 },
        resources: [{ accountId: MOTO_ACCOUNT, type: "AWS::KMS::Key", ARN: arn }],
      });
      return { finding, readBack: async () => expect((await kms.send(new DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId }))).KeyMetadata?.KeyState).not.toBe("PendingDeletion") };
    },
  },
  {
    remediation: "organizations.reattach-scp",
    name: "an SCP detached from an OU",
    async arrange() {
      const organizations = new OrganizationsClient(motoClientConfig());
      await organizations.send(new CreateOrganizationCommand({ FeatureSet: "ALL" })).catch((error: Error) => {
        if (error.name !== "AlreadyInOrganizationException") throw error;
      });
      const rootId = (await organizations.send(new ListRootsCommand({}))).Roots![0]!.Id!;
      const ou = (await organizations.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: unique("trailwarden-it") }))).OrganizationalUnit!.Id!;
      const content = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "organizations:LeaveOrganization", Resource: "*" }] });
      const created = await organizations.send(
        new CreateOrgPolicyCommand({ Name: unique("guardrails"), Description: "deny leaving the organisation", Type: "SERVICE_CONTROL_POLICY", Content: content }),
      );
      const policyId = created.Policy!.PolicySummary!.Id!;
      await organizations.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: ou }));
      await organizations.send(new DetachPolicyCommand({ PolicyId: policyId, TargetId: ou }));
      const finding = findingFromExample(scpDetachedOrDeleted, 0, { recipientAccountId: MOTO_ACCOUNT, requestParameters: { policyId, targetId: ou } });
      return {
        finding,
        readBack: async () => {
          const attached = await organizations.send(new ListPoliciesForTargetCommand({ TargetId: ou, Filter: "SERVICE_CONTROL_POLICY" }));
          expect(attached.Policies?.map((p) => p.Id)).toContain(policyId);
        },
      };
    },
  },
];

/** One scenario per remediation in the registry (a meta-test checks that). */
export const SCENARIOS: Scenario[] = [...NON_S3_SCENARIOS, ...S3_SCENARIOS];
