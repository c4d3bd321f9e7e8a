import type { CloudTrailRecord } from "../../core/cloudtrail.js";
import { defineDetector, type FindingResource } from "../../core/detector.js";
import { strings } from "../../core/policy.js";
import { actorName, API_CALL, field, isHumanPrincipal, isIacPrincipal, isObject, partitionOf, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, USER_AGENTS } from "../examples.js";

/** The Session Manager documents that do something other than open a shell, in words. */
const SESSION_KINDS: Record<string, string> = {
  "AWS-StartPortForwardingSession": "a port-forwarding session",
  "AWS-StartPortForwardingSessionToRemoteHost": "a port-forwarding session",
  "AWS-StartSSHSession": "an SSH session tunnelled through Session Manager",
  "AWS-StartInteractiveCommand": "an interactive command session",
  "AWS-StartNonInteractiveCommand": "a command session",
};

/** EC2 instances (i-…) and hybrid managed nodes (mi-…); other targets (ECS tasks) have no resource of their own here. */
function targetResource(record: CloudTrailRecord, target: string): FindingResource | undefined {
  const located = { account: record.recipientAccountId, region: record.awsRegion };
  const partition = partitionOf(record.awsRegion);
  if (/^i-[0-9a-f]+$/.test(target)) {
    return { type: "AWS::EC2::Instance", id: target, arn: `arn:${partition}:ec2:${record.awsRegion}:${record.recipientAccountId}:instance/${target}`, ...located };
  }
  if (/^mi-[0-9a-f]+$/.test(target)) {
    return { type: "AWS::SSM::ManagedInstanceInventory", id: target, arn: `arn:${partition}:ssm:${record.awsRegion}:${record.recipientAccountId}:managed-instance/${target}`, ...located };
  }
  return undefined;
}

/** Session parameters are lists of strings: `{ host: ["db.internal"], portNumber: ["5432"] }`. */
function remoteHost(request: Record<string, unknown>): string | undefined {
  const parameters = field(request, "parameters");
  if (!isObject(parameters)) return undefined;
  const [host] = strings(field(parameters, "host"));
  const [port] = strings(field(parameters, "portNumber"));
  return host ? `${host}${port ? `:${port}` : ""}` : undefined;
}

const REGION = "eu-west-1";
const SRE = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_SRE_1f2e3d4c5b6a7980";

function startSession(
  eventID: string,
  eventTime: string,
  identity: Record<string, unknown>,
  request: Record<string, unknown>,
  options: { userAgent?: string; region?: string; console?: boolean; error?: { code: string; message: string } } = {},
) {
  const region = options.region ?? REGION;
  const session = String(identity.arn ?? "session").split("/").pop()?.split("@")[0] ?? "session";
  const sessionId = `${session}-${eventID.replace(/-/g, "").slice(0, 17)}`;
  const record = apiCall({
    eventID,
    eventTime,
    eventSource: "ssm.amazonaws.com",
    eventName: "StartSession",
    identity,
    region,
    requestParameters: request,
    responseElements: {
      sessionId,
      tokenValue: "Value hidden due to security reasons.",
      streamUrl: `wss://ssmmessages.${region}.amazonaws.com/v1/data-channel/${sessionId}?role=publish_subscribe&cell-number=AAEAAQ`,
    },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
  return options.console ? { ...record, sessionCredentialFromConsole: "true" } : record;
}

export default defineDetector({
  id: "ssm.start-session-by-human",
  title: "A person opened an SSM Session Manager session on an instance",
  severity: "medium",
  mitre: ["T1651"],
  stratus: ["aws.execution.ssm-start-session"],
  pattern: {
    source: ["aws.ssm"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["ssm.amazonaws.com"],
      eventName: ["StartSession"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record, { baseline }) {
    if (!isHumanPrincipal(record) || isIacPrincipal(record, baseline)) return undefined;
    const request = record.requestParameters ?? {};
    const targetValue = field(request, "target");
    const target = typeof targetValue === "string" && targetValue !== "" ? targetValue : undefined;
    if (!target) return undefined;
    const documentValue = field(request, "documentName");
    const document = typeof documentValue === "string" && documentValue !== "" ? documentValue : undefined;
    const kind = document ? (SESSION_KINDS[document] ?? `a session with document ${document}`) : "a shell session";
    const resource = targetResource(record, target);
    const what = resource?.type === "AWS::EC2::Instance" ? `instance ${target}` : resource ? `managed node ${target}` : `target ${target}`;
    const remote = document === "AWS-StartPortForwardingSessionToRemoteHost" ? remoteHost(request) : undefined;
    const where = remote ? `through ${what} to ${remote}` : `on ${what}`;
    return {
      summary: sentence(`${actorName(record)} opened ${kind} ${where} with SSM Session Manager.`),
      resources: resource ? [resource] : [],
    };
  },
  runbook:
    "A person opened an interactive Session Manager session (a shell, a port forward or an SSH tunnel) on an instance. That is hands-on access to a host, " +
    "outside change control, with the instance role's credentials one command away; it is medium rather than low because it is the usual path of an attacker " +
    "holding a console or SSO session, and rather than high because operators use it legitimately. Every human session is reported, break-glass principals " +
    "included (their use is exactly what should be reviewed); operators whose sessions are routine belong in a baseline exception naming the principal, with an " +
    "owner and an expiry, rather than in a blanket allow-list. Check who the person is, whether there is a ticket, the MFA and source IP of the session, and the " +
    "session's own log (Session Manager logging to S3 or CloudWatch Logs, by the sessionId in responseElements); TerminateSession ends it. For port forwarding " +
    "to a remote host, find out what was reached. Sessions opened by roles that are not people (automation, the baseline's IaC principals) are not judged. " +
    "A refused StartSession (errorCode such as AccessDeniedException or TargetNotConnected) is not a finding: no session opened.",
  examples: {
    match: [
      {
        description: "Stratus Red Team's ssm-start-session: an IAM user opens a shell on an instance",
        record: startSession(
          "f44b6f5d-3617-4cb6-84f9-26b395dec774",
          "2024-08-01T12:19:18Z",
          iamUser("arn:aws:iam::111122223333:user/christophe"),
          { target: "i-0d3720c7af6fcff2b" },
          { userAgent: USER_AGENTS.stratus, region: "us-east-1" },
        ),
      },
      {
        description: "An SRE's console session forwards a port through an instance to a database host",
        record: startSession(
          "b109e344-b6aa-46a5-ad21-31b36ae3b150",
          "2024-10-14T20:51:33Z",
          assumedRole(SRE, "l.moreau@example.com"),
          {
            target: "i-0a1b2c3d4e5f60718",
            documentName: "AWS-StartPortForwardingSessionToRemoteHost",
            parameters: { host: ["orders-db.cluster-c9x8y7z6.eu-west-1.rds.amazonaws.com"], portNumber: ["5432"], localPortNumber: ["15432"] },
          },
          { userAgent: "aws-internal/3 aws-sdk-java/1.12.720 Linux/5.10.219-186.866.amzn2int.x86_64 OpenJDK_64-Bit_Server_VM/25.402-b08 java/1.8.0_402 vendor/Oracle_Corporation cfg/retry-mode/standard", console: true },
        ),
      },
    ],
    noMatch: [
      {
        description: "A maintenance Lambda's role opens a non-interactive command session: automation, not a person",
        record: startSession(
          "0890b3a6-99b0-4156-87e7-ad4878074867",
          "2024-10-15T04:00:07Z",
          assumedRole("arn:aws:iam::111122223333:role/service/nightly-maintenance", "nightly-maintenance"),
          { target: "i-0a1b2c3d4e5f60718", documentName: "AWS-StartNonInteractiveCommand", parameters: { command: ["sudo logrotate -f /etc/logrotate.conf"] } },
          { userAgent: USER_AGENTS.boto3 },
        ),
      },
      {
        description: "A person's StartSession that SSM refused: no session opened",
        record: startSession(
          "bb970939-c468-4675-a5fd-fb240896319c",
          "2024-10-15T09:12:45Z",
          iamUser("arn:aws:iam::111122223333:user/j.smith"),
          { target: "i-0b2c3d4e5f6071829" },
          {
            error: {
              code: "AccessDeniedException",
              message:
                "User: arn:aws:iam::111122223333:user/j.smith is not authorized to perform: ssm:StartSession on resource: arn:aws:ec2:eu-west-1:111122223333:instance/i-0b2c3d4e5f6071829 because no identity-based policy allows the ssm:StartSession action",
            },
          },
        ),
      },
      {
        description: "The same person ends the session: TerminateSession opens nothing",
        record: apiCall({
          eventID: "6b2e8378-6fb4-4d35-927c-66e1fe1e8ab3",
          eventTime: "2024-10-14T21:30:02Z",
          eventSource: "ssm.amazonaws.com",
          eventName: "TerminateSession",
          identity: assumedRole(SRE, "l.moreau@example.com"),
          region: REGION,
          requestParameters: { sessionId: "l.moreau-0a1b2c3d4e5f60718" },
          responseElements: { sessionId: "l.moreau-0a1b2c3d4e5f60718" },
        }),
      },
    ],
  },
});
