/**
 * The settlement batch host: opened to SSH from anywhere, a key pushed to a
 * neighbour, a shell and a script through SSM, a boot script planted on a
 * stopped host. The script enumerates the account with the host's role, then
 * the role's credentials, copied off the host, are used from the attacker's
 * laptop: other regions, Windows passwords, a snapshot shared out, and a role
 * in the attacker's own account.
 */
import { assumedRoleUser, temporaryCredentials } from "../calls.js";
import { ACCOUNTS, ATTACKER_ACCOUNT, INSTANCE_IDS } from "../organisation.js";
import type { Call, Json } from "../records.js";
import { HOUR } from "../time.js";
import { ATTACK, CAST, denied, type Story } from "./story.js";

const PROD = ACCOUNTS.prod.id;
const EUW1 = "eu-west-1";
const BATCH_SG = "sg-0d4e6f8a1b3c5d7e9";
const DR_HOST = "i-0e7f6a5b4c3d21098";
const NEIGHBOUR = "i-09d2e6b1a7c3f4e80";
export const SETTLEMENT_VOLUME = "vol-0a3c5e7f9b1d24680";
export const EXFIL_SNAPSHOT = "snap-0f2d4b6a8c1e35790";
const SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHq3n8Zc1mV0k2bX7pR4sT9wY6uE5dL3jA1fG8hK0oPq support-sync";

const call = (service: string, name: string, readOnly: boolean, params: Json | null = null, more: Partial<Call> = {}): Call => ({
  source: `${service}.amazonaws.com`,
  name,
  readOnly,
  params,
  ...more,
});

/** 13:52: the attacker's admin user gets onto the batch host and its neighbours. */
export function reachTheHost(s: Story): void {
  const admin = CAST.admin(s);
  const who = `\`${ATTACK.createdUser}\``;
  const at = (time: string, c: Call, region = EUW1) => s.at(time, PROD, region, admin, c);
  at("13:52:00", call("ec2", "DescribeInstances", true, { instancesSet: { items: [{ instanceId: ATTACK.batchHost }] }, filterSet: {} }));
  at("13:52:10", call("ec2", "DescribeSecurityGroups", true, { securityGroupSet: {}, securityGroupIdSet: { items: [{ groupId: BATCH_SG }] }, filterSet: {} }));
  const ssh = { ipProtocol: "tcp", fromPort: 22, toPort: 22, groups: {}, ipRanges: { items: [{ cidrIp: "0.0.0.0/0" }] }, ipv6Ranges: {}, prefixListIds: {} };
  at("13:52:40", call("ec2", "AuthorizeSecurityGroupIngress", false, { groupId: BATCH_SG, ipPermissions: { items: [ssh] } }, {
    response: {
      requestId: s.g.uuid(),
      _return: true,
      securityGroupRuleSet: { items: [{ groupOwnerId: PROD, groupId: BATCH_SG, securityGroupRuleId: "sgr-07b9d1f3a5c2e4068", isEgress: false, ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0" }] },
    },
  }));
  at("13:53:05", call("ec2", "DescribeNetworkAcls", true, { networkAclIdSet: {}, filterSet: {} }));
  at("13:53:20", call("ec2", "CreateNetworkAclEntry", false, {
    networkAclId: "acl-0c2e4a6b8d0f13579",
    ruleNumber: 90,
    egress: false,
    ruleAction: "allow",
    aclProtocol: "-1",
    cidrBlock: "0.0.0.0/0",
    icmpTypeCode: {},
    portRange: {},
  }, { response: { _return: true } }));
  s.tell("13:52:00", who, "opens SSH to the internet on the batch host's security group, and an allow-all entry ahead of the subnet's network ACL", [
    "ec2.security-group-open-admin-port",
    "ec2.network-acl-allow-all",
  ]);
  at("13:53:50", call("ec2-instance-connect", "SendSSHPublicKey", false, { instanceId: NEIGHBOUR, instanceOSUser: "ec2-user", sSHPublicKey: SSH_KEY }, { response: { requestId: s.g.uuid(), success: true } }));
  at("13:54:30", call("ssm", "StartSession", false, { target: ATTACK.batchHost }, {
    response: {
      sessionId: `${ATTACK.createdUser}-0a7d3c9e1b5f24680`,
      tokenValue: "Value hidden due to security reasons.",
      streamUrl: `wss://ssmmessages.${EUW1}.amazonaws.com/v1/data-channel/${ATTACK.createdUser}-0a7d3c9e1b5f24680?role=publish_subscribe&cell-number=AAEAAQ`,
    },
  }));
  at("13:55:40", call("ssm", "SendCommand", false, { documentName: "AWS-RunShellScript", instanceIds: [ATTACK.batchHost], parameters: "HIDDEN_DUE_TO_SECURITY_REASONS", interactive: false, comment: "support diagnostics" }, {
    response: {
      command: {
        commandId: "5c1e9a3d-7b2f-4e86-a0d4-3f6b8c1e2a97",
        documentName: "AWS-RunShellScript",
        documentVersion: "$DEFAULT",
        comment: "support diagnostics",
        parameters: "HIDDEN_DUE_TO_SECURITY_REASONS",
        instanceIds: [ATTACK.batchHost],
        targets: [],
        status: "Pending",
        targetCount: 1,
        interactive: false,
      },
    },
  }));
  s.tell("13:53:50", who, `pushes an SSH key to \`${NEIGHBOUR}\` with EC2 Instance Connect, opens a Session Manager shell on the batch host and runs a script there with Run Command`, [
    "ec2.instance-connect-ssh-key-sent",
    "ssm.start-session-by-human",
    "ssm.send-command-by-human",
  ]);
  at("13:56:30", call("ec2", "ModifyInstanceAttribute", false, { instanceId: DR_HOST, userData: "<sensitiveDataRemoved>" }, { response: { _return: true } }), "eu-central-1");
  s.tell("13:56:30", who, `replaces the user data of the stopped DR host \`${DR_HOST}\` (eu-central-1): a reverse shell at its next start`, ["ec2.user-data-changed"]);
}

/** The script on the host: the instance role lists everything it can, across services, in four minutes. */
function enumerationFromHost(): Call[] {
  const no = (service: string, name: string) => ({ error: denied(service, name, `arn:aws:sts::${PROD}:assumed-role/${ATTACK.batchRole}/${ATTACK.batchHost}`) });
  const ec2 = (name: string, params: Json = { filterSet: {} }) => call("ec2", name, true, params);
  const instances = [...INSTANCE_IDS, "i-0b8d2f4a6c1e35079", "i-0d1f3b5a7c9e24681"];
  const calls: Call[] = [
    call("sts", "GetCallerIdentity", true),
    call("iam", "ListUsers", true, null, no("iam", "ListUsers")),
    call("iam", "ListRoles", true, null, no("iam", "ListRoles")),
    call("iam", "GetAccountAuthorizationDetails", true, null, no("iam", "GetAccountAuthorizationDetails")),
    call("iam", "ListAttachedRolePolicies", true, { roleName: ATTACK.batchRole }),
    call("iam", "ListRolePolicies", true, { roleName: ATTACK.batchRole }),
    call("iam", "GetRolePolicy", true, { roleName: ATTACK.batchRole, policyName: "settlement-batch-access" }),
    ec2("DescribeRegions", { regionSet: {} }),
    ec2("DescribeInstances", { instancesSet: {}, filterSet: {} }),
    ...instances.map((instanceId) => ec2("DescribeInstanceAttribute", { instanceId, attribute: "userData" })),
    ec2("DescribeSecurityGroups", { securityGroupSet: {}, securityGroupIdSet: {}, filterSet: {} }),
    ec2("DescribeVpcs", { vpcSet: {}, filterSet: {} }),
    ec2("DescribeSubnets", { subnetSet: {}, filterSet: {} }),
    ec2("DescribeRouteTables", { routeTableIdSet: {}, filterSet: {} }),
    ec2("DescribeNatGateways"),
    ec2("DescribeVpcEndpoints"),
    ec2("DescribeNetworkInterfaces", { networkInterfaceIdSet: {}, filterSet: {} }),
    ec2("DescribeVolumes", { volumeSet: {}, filterSet: {} }),
    ec2("DescribeSnapshots", { snapshotSet: {}, ownersSet: { items: [{ owner: "self" }] }, sharedUsersSet: {}, filterSet: {} }),
    ec2("DescribeImages", { executableBySet: {}, imagesSet: {}, ownersSet: { items: [{ owner: "self" }] }, filterSet: {} }),
    ec2("DescribeKeyPairs", { keySet: {}, filterSet: {} }),
    ec2("DescribeLaunchTemplates"),
    ec2("DescribeAddresses", { publicIpsSet: {}, filterSet: {} }),
    ec2("DescribeNetworkAcls", { networkAclIdSet: {}, filterSet: {} }),
    ec2("DescribeFlowLogs"),
    call("s3", "ListBuckets", true, { Host: `s3.${EUW1}.amazonaws.com` }),
    call("lambda", "ListFunctions20150331", true, { functionVersion: "ALL" }),
    call("lambda", "ListLayers20181031", true, null),
    call("rds", "DescribeDBInstances", true),
    call("rds", "DescribeDBSnapshots", true, { snapshotType: "manual" }),
    call("rds", "DescribeDBClusters", true),
    call("dynamodb", "ListTables", true),
    call("secretsmanager", "ListSecrets", true, { maxResults: 100 }),
    call("ssm", "DescribeParameters", true, { maxResults: 50 }),
    call("ssm", "DescribeInstanceInformation", true),
    call("kms", "ListKeys", true, { limit: 1000 }),
    call("kms", "ListAliases", true, { limit: 100 }),
    call("sns", "ListTopics", true),
    call("sqs", "ListQueues", true),
    call("ecr", "DescribeRepositories", true),
    call("ecs", "ListClusters", true),
    call("logs", "DescribeLogGroups", true, { limit: 50 }),
    call("cloudformation", "DescribeStacks", true, null, no("cloudformation", "DescribeStacks")),
    call("elasticloadbalancing", "DescribeLoadBalancers", true),
    call("route53", "ListHostedZones", true, null, { region: "us-east-1", ...no("route53", "ListHostedZones") }),
    call("cloudtrail", "DescribeTrails", true, { includeShadowTrails: true }),
    call("guardduty", "ListDetectors", true),
    call("organizations", "DescribeOrganization", true, null, no("organizations", "DescribeOrganization")),
    call("sagemaker", "ListNotebookInstances", true),
    call("backup", "ListBackupVaults", true, null, no("backup", "ListBackupVaults")),
    call("ec2", "DescribeTransitGateways", true, { filterSet: {} }),
    call("apigateway", "GetRestApis", true, null),
    call("es", "ListDomainNames", true, null),
  ];
  return calls;
}

/** 14:00: the script's enumeration, then the copied credentials on the attacker's laptop. */
export function stealInstanceRole(s: Story): void {
  const who = `\`${ATTACK.batchRole}\``;
  s.run("14:00:10", 4, PROD, EUW1, CAST.onInstance(), enumerationFromHost());
  s.tell("14:00:10", `${who} (the batch host's instance role), on the host`, "the script lists the account, service after service, sixty calls in four minutes, the user data of six instances among them", [
    "ec2.discovery-burst-from-instance",
    "ec2.user-data-read",
  ]);

  const kali = CAST.stolenInstance();
  const at = (time: string, c: Call, region = EUW1) => s.at(time, PROD, region, kali, c);
  at("14:06:05", call("sts", "GetCallerIdentity", true));
  at("14:06:30", call("ec2", "DescribeRegions", true, { regionSet: {} }));
  at("14:06:50", call("ec2", "DescribeInstances", true, { instancesSet: {}, filterSet: {} }), "us-west-2");
  at("14:07:02", call("ec2", "DescribeInstances", true, { instancesSet: {}, filterSet: {} }), "ap-southeast-1");
  s.tell("14:06:05", `${who}, from the attacker's Kali laptop`, "the host's credentials, copied off it, list instances in us-west-2 and ap-southeast-1, where neither the role nor the organisation works", [
    "ec2.instance-credentials-used-outside-ec2",
    "behaviour.first-activity-in-region",
    "changes.activity-outside-allowed-regions",
  ]);
  const windows = ["i-0b8d2f4a6c1e35079", "i-0d1f3b5a7c9e24681", ...INSTANCE_IDS];
  const first = s.offset("14:07:20");
  windows.forEach((instanceId, i) =>
    s.at(first + i * 8, PROD, EUW1, kali, call("ec2", "GetPasswordData", true, { instanceId }, { response: { instanceId, timestamp: 0, passwordData: "" } })),
  );
  s.tell("14:07:20", `${who}, Kali`, "asks for the Windows administrator password of six instances: an API the role has never called", ["ec2.password-data-burst", "behaviour.first-sensitive-api-use"]);
  at("14:09:00", call("ec2", "CreateSnapshot", false, { volumeId: SETTLEMENT_VOLUME, description: "support export" }, {
    response: { snapshotId: EXFIL_SNAPSHOT, volumeId: SETTLEMENT_VOLUME, status: "pending", ownerId: PROD, volumeSize: 200, encrypted: true },
  }));
  at("14:10:10", call("ec2", "ModifySnapshotAttribute", false, {
    snapshotId: EXFIL_SNAPSHOT,
    attributeType: "CREATE_VOLUME_PERMISSION",
    createVolumePermission: { add: { items: [{ userId: ATTACKER_ACCOUNT }] } },
  }, { response: { _return: true } }));
  s.tell("14:09:00", `${who}, Kali`, `snapshots the settlement volume and shares the snapshot with the attacker's account \`${ATTACKER_ACCOUNT}\``, ["ec2.snapshot-shared", "behaviour.first-sensitive-api-use"]);
  const role = { name: "drop-writer", path: "/" };
  const roleArn = `arn:aws:iam::${ATTACKER_ACCOUNT}:role/${role.name}`;
  at("14:11:00", call("sts", "AssumeRole", true, { roleArn, roleSessionName: "sync", durationSeconds: 3600 }, {
    response: {
      credentials: temporaryCredentials(`${roleArn}/sync/${s.start}`, s.start + 3 * HOUR),
      assumedRoleUser: assumedRoleUser(ATTACKER_ACCOUNT, role, "sync"),
    },
    resources: [{ accountId: ATTACKER_ACCOUNT, type: "AWS::IAM::Role", ARN: roleArn }],
  }));
  s.tell("14:11:00", `${who}, Kali`, `assumes a role in the attacker's account \`${ATTACKER_ACCOUNT}\` to copy data out`, ["behaviour.new-external-account"]);
}
