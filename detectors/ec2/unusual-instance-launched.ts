import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { accountResource, actorName, API_CALL, field, isIacPrincipal, isObject, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, PROD, USER_AGENTS } from "../examples.js";

/**
 * Instance families that miners and model thieves ask for: GPU (p, g, gr),
 * machine-learning accelerators (inf, trn, dl), FPGA (f), video transcoding
 * (vt), high-memory (x, u) and HPC. Matched on the family before the dot, so
 * m7g (Graviton) or c5n are not mistaken for g or x.
 */
const ACCELERATED = /^(p\d|g\d|gr\d|inf\d|trn\d|dl\d|f\d|vt\d)/;
const HIGH_MEMORY_OR_HPC = /^(x\d|u-|u\d|hpc\d)/;

/** Why an instance type is unusual, or undefined when it is ordinary. */
function unusual(instanceType: string): string | undefined {
  const [family = "", size = ""] = instanceType.toLowerCase().split(".");
  if (ACCELERATED.test(family)) return "GPU or accelerated computing";
  if (HIGH_MEMORY_OR_HPC.test(family)) return "high-memory or HPC";
  if (size.startsWith("metal")) return "bare metal";
  const multiple = /^(\d+)xlarge$/.exec(size);
  if (multiple && Number(multiple[1]) >= 24) return "very large";
  return undefined;
}

function items(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) && Array.isArray(value.items) ? value.items.filter(isObject) : [];
}

/** The type asked for, or (with a launch template, which carries it instead) the type AWS launched. */
function instanceTypes(record: CloudTrailRecord): string[] {
  const found = new Set<string>();
  const requested = record.requestParameters ? field(record.requestParameters, "instanceType") : undefined;
  if (typeof requested === "string" && requested !== "") found.add(requested);
  for (const instance of items(record.responseElements ? field(record.responseElements, "instancesSet") : undefined)) {
    const type = field(instance, "instanceType");
    if (typeof type === "string" && type !== "") found.add(type);
  }
  return [...found];
}

function launchedIds(record: CloudTrailRecord): string[] {
  return items(record.responseElements ? field(record.responseElements, "instancesSet") : undefined)
    .map((instance) => field(instance, "instanceId"))
    .filter((id): id is string => typeof id === "string" && id !== "");
}

function requestedCount(record: CloudTrailRecord): number | undefined {
  const first = items(record.requestParameters ? field(record.requestParameters, "instancesSet") : undefined)[0];
  const max = first ? field(first, "maxCount") : undefined;
  return typeof max === "number" ? max : typeof max === "string" && /^\d+$/.test(max) ? Number(max) : undefined;
}

function instanceResource(record: CloudTrailRecord, instanceId: string): FindingResource {
  return {
    type: "AWS::EC2::Instance",
    id: instanceId,
    arn: `arn:${partitionOf(record.awsRegion)}:ec2:${record.awsRegion}:${record.recipientAccountId}:instance/${instanceId}`,
    account: record.recipientAccountId,
    region: record.awsRegion,
  };
}

const REGION = "us-east-1";

function runInstances(
  eventID: string,
  eventTime: string,
  identity: Record<string, unknown>,
  request: Record<string, unknown>,
  options: { launched?: { instanceId: string; instanceType: string }[]; userAgent?: string; sourceIPAddress?: string; region?: string; error?: { code: string; message: string } } = {},
) {
  const region = options.region ?? REGION;
  return apiCall({
    eventID,
    eventTime,
    eventSource: "ec2.amazonaws.com",
    eventName: "RunInstances",
    identity,
    region,
    requestParameters: { blockDeviceMapping: {}, monitoring: { enabled: false }, disableApiTermination: false, disableApiStop: false, clientToken: eventID, ...request },
    responseElements: options.launched
      ? {
          reservationId: `r-0${eventID.replace(/-/g, "").slice(0, 16)}`,
          ownerId: PROD,
          groupSet: {},
          instancesSet: {
            items: options.launched.map((instance, i) => ({
              instanceId: instance.instanceId,
              imageId: "ami-0c7217cdde317cfec",
              currentState: { code: 0, name: "pending" },
              amiLaunchIndex: i,
              instanceType: instance.instanceType,
              placement: { availabilityZone: `${region}a`, tenancy: "default" },
              monitoring: { state: "disabled" },
              subnetId: "subnet-0e540f0c7ffb48ae9",
              vpcId: "vpc-0a1b2c3d4e5f60718",
              architecture: "x86_64",
              rootDeviceType: "ebs",
              rootDeviceName: "/dev/xvda",
            })),
          },
        }
      : null,
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.sourceIPAddress ? { sourceIPAddress: options.sourceIPAddress } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

function instancesSet(imageId: string, count: number) {
  return { items: [{ imageId, minCount: 1, maxCount: count }] };
}

export default defineDetector({
  id: "ec2.unusual-instance-launched",
  title: "GPU or very large EC2 instances launched outside infrastructure as code",
  severity: "medium",
  mitre: ["T1496.001"],
  stratus: ["aws.execution.ec2-launch-unusual-instances"],
  pattern: {
    source: ["aws.ec2"],
    "detail-type": [API_CALL],
    // No errorCode filter: refused attempts (UnauthorizedOperation, VcpuLimitExceeded) are how miners show themselves.
    detail: { eventSource: ["ec2.amazonaws.com"], eventName: ["RunInstances"] },
  },
  evaluate(record, { baseline }) {
    // Auto Scaling, EC2 Fleet, Batch and CloudFormation launch on a principal's behalf (invokedBy); the decision was made where the group or stack was defined.
    if (isIacPrincipal(record, baseline) || record.userIdentity.invokedBy !== undefined) return undefined;
    const flagged = instanceTypes(record)
      .map((type) => ({ type, why: unusual(type) }))
      .filter((t): t is { type: string; why: string } => t.why !== undefined);
    if (flagged.length === 0) return undefined;
    const kinds = flagged.map((t) => `${t.type} (${t.why})`).join(", ");
    const ids = launchedIds(record);
    const actor = actorName(record);
    if (record.errorCode) {
      const count = requestedCount(record);
      return {
        summary: sentence(`${actor} tried to launch ${count && count > 1 ? `up to ${count} ${kinds} instances` : `one ${kinds} instance`}; EC2 refused with ${record.errorCode}.`),
        resources: [accountResource(record)],
      };
    }
    const launched = ids.length > 0 ? `${ids.length} ${kinds} instance${ids.length > 1 ? "s" : ""} (${ids.join(", ")})` : `${kinds} instances`;
    return {
      summary: sentence(`${actor} launched ${launched} outside infrastructure as code.`),
      resources: ids.length > 0 ? ids.map((id) => instanceResource(record, id)) : [accountResource(record)],
    };
  },
  runbook:
    "GPU, accelerator, bare-metal and very large instances (24xlarge and up) are what cryptominers and people training on stolen accounts ask for first; in this " +
    "organisation they come from infrastructure code or from Auto Scaling groups and fleets that code defines. Check who launched them, from which source IP and " +
    "region (miners favour regions the account does not use), what the user data and AMI are, and whether the instances reach mining pools (VPC flow logs, " +
    "GuardDuty CryptoCurrency findings). If they are not approved, stop or terminate them, snapshot first if you need evidence, and revoke the caller's sessions " +
    "and keys: a principal that launches miners usually holds more. Refused launches are reported too, unlike elsewhere in this catalog: " +
    "Client.UnauthorizedOperation, VcpuLimitExceeded or InsufficientInstanceCapacity on a GPU type is how a stolen credential probing for compute shows itself " +
    "(Stratus' ec2-launch-unusual-instances is detected this way), so look at the caller even though nothing runs. Spot requests and fleets " +
    "(RequestSpotInstances, CreateFleet) are not watched here.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's ec2-launch-unusual-instances: ten p2.xlarge asked for, refused with Client.UnauthorizedOperation",
        record: runInstances(
          "e7d7ab0e-8c02-4e37-a50c-6a7a869d274d",
          "2024-08-01T11:30:23Z",
          assumedRole("arn:aws:iam::111122223333:role/stratus-red-team-ec2lui-role-idtzskbvtd", "aws-go-sdk-1722511821294449000"),
          { instanceType: "p2.xlarge", instancesSet: instancesSet("ami-0c7217cdde317cfec", 10), subnetId: "subnet-0e540f0c7ffb48ae9" },
          {
            userAgent: USER_AGENTS.stratus,
            error: {
              code: "Client.UnauthorizedOperation",
              message:
                "You are not authorized to perform this operation. User: arn:aws:sts::111122223333:assumed-role/stratus-red-team-ec2lui-role-idtzskbvtd/aws-go-sdk-1722511821294449000 is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-1:111122223333:instance/* because no identity-based policy allows the ec2:RunInstances action. Encoded authorization failure message: T-kSWIRFn32_fxSgyNzoE36avE5lRaRniAjDs-OdhlNgyecEbeTN_dCroUmnEqAbDOrevkgWv8iyUzs0XJxEDlAcgDztlJ",
            },
          },
        ),
      },
      {
        description: "An IAM user's key launches two p4d.24xlarge in a region the account does not use",
        record: runInstances(
          "c057ab9c-bd97-41fa-85af-1008e6d049ee",
          "2024-10-22T03:14:51Z",
          iamUser("arn:aws:iam::111122223333:user/svc-reporting"),
          { instanceType: "p4d.24xlarge", instancesSet: instancesSet("ami-0f9a8b7c6d5e4f3a2", 2), userData: "<sensitiveDataRemoved>" },
          {
            region: "ap-southeast-3",
            userAgent: USER_AGENTS.boto3,
            sourceIPAddress: "185.220.101.47",
            launched: [
              { instanceId: "i-0a1b2c3d4e5f60718", instanceType: "p4d.24xlarge" },
              { instanceId: "i-0b2c3d4e5f6071829", instanceType: "p4d.24xlarge" },
            ],
          },
        ),
      },
      {
        description: "A launch template hides the type in the request; the response shows a g5.12xlarge",
        record: runInstances(
          "78317a2d-f088-41bc-af07-9a55d25e8304",
          "2024-10-22T09:40:16Z",
          assumedRole("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_DataScientist_2b3c4d5e6f7a8b9c", "k.osei@example.com"),
          { instancesSet: instancesSet("ami-0e1d2c3b4a5968778", 1), launchTemplate: { launchTemplateId: "lt-0a1b2c3d4e5f60718", version: "4" } },
          { userAgent: USER_AGENTS.console, launched: [{ instanceId: "i-0c3d4e5f60718293a", instanceType: "g5.12xlarge" }] },
        ),
      },
    ],
    noMatch: [
      {
        description: "A t3.micro for a test: an ordinary type",
        record: runInstances(
          "d922d303-b217-41c4-9ef2-cb3dc087b339",
          "2024-10-22T10:02:44Z",
          iamUser("arn:aws:iam::111122223333:user/j.smith"),
          { instanceType: "t3.micro", instancesSet: instancesSet("ami-0c7217cdde317cfec", 1) },
          { userAgent: USER_AGENTS.cli, launched: [{ instanceId: "i-0d4e5f60718293a4b", instanceType: "t3.micro" }] },
        ),
      },
      {
        description: "Graviton m7g and network-optimised c5n: a naive match on g or x would flag them",
        record: runInstances(
          "01201809-fac0-4378-b1e8-2dc95ba17485",
          "2024-10-22T10:05:12Z",
          iamUser("arn:aws:iam::111122223333:user/j.smith"),
          { instanceType: "m7g.2xlarge", instancesSet: instancesSet("ami-0a9b8c7d6e5f40312", 1) },
          { userAgent: USER_AGENTS.cli, launched: [{ instanceId: "i-0e5f60718293a4b5c", instanceType: "m7g.2xlarge" }] },
        ),
      },
      {
        description: "A c6i.16xlarge: large, but below the 24xlarge line",
        record: runInstances(
          "5cbd851d-3df5-4b47-b718-1d5d1bdbea48",
          "2024-10-22T10:07:39Z",
          iamUser("arn:aws:iam::111122223333:user/j.smith"),
          { instanceType: "c6i.16xlarge", instancesSet: instancesSet("ami-0c7217cdde317cfec", 1) },
          { userAgent: USER_AGENTS.cli, launched: [{ instanceId: "i-0f60718293a4b5c6d", instanceType: "c6i.16xlarge" }] },
        ),
      },
      {
        description: "Auto Scaling scales out a GPU inference group: launched on the group's behalf",
        record: runInstances(
          "2e8192dc-06e8-4118-9b4e-0016708c4ab9",
          "2024-10-22T12:00:03Z",
          { ...assumedRole("arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling", "AutoScaling"), invokedBy: "autoscaling.amazonaws.com" },
          { instanceType: "g5.xlarge", instancesSet: instancesSet("ami-0e1d2c3b4a5968778", 1), launchTemplate: { launchTemplateId: "lt-0b2c3d4e5f6071829", version: "7" } },
          { launched: [{ instanceId: "i-0718293a4b5c6d7e8", instanceType: "g5.xlarge" }] },
        ),
      },
      {
        description: "The Terraform role launches a GPU training node: infrastructure as code",
        record: runInstances(
          "ec523c9a-1ec8-4b9b-97a9-121dc0fd2529",
          "2024-10-22T13:21:50Z",
          assumedRole("arn:aws:iam::111122223333:role/iac/terraform-apply", "terraform-run-9350"),
          { instanceType: "p5.48xlarge", instancesSet: instancesSet("ami-0e1d2c3b4a5968778", 1) },
          { userAgent: USER_AGENTS.terraform, launched: [{ instanceId: "i-08293a4b5c6d7e8f9", instanceType: "p5.48xlarge" }] },
        ),
        baseline: { principals: { iac: ["arn:aws:iam::*:role/iac/*"] } },
      },
    ],
  },
});
