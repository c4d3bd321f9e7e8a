import { defineDetector, type FindingResource } from "../../core/detector.js";
import { actorName, API_CALL, iamResource, param, sentence } from "../common.js";
import { apiCall, assumedRole, iamUser, root, USER_AGENTS } from "../examples.js";

type EventName = "DeactivateMFADevice" | "DeleteVirtualMFADevice" | "EnableMFADevice";

function mfaCall(
  eventID: string,
  eventTime: string,
  eventName: EventName,
  identity: Record<string, unknown>,
  requestParameters: Record<string, unknown>,
  options: { userAgent?: string; error?: { code: string; message: string } } = {},
) {
  return apiCall({
    eventID,
    eventTime,
    eventSource: "iam.amazonaws.com",
    eventName,
    identity,
    requestParameters,
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    ...(options.error ? { error: options.error } : {}),
  });
}

/** Virtual devices have an ARN serial (`arn:aws:iam::ACCOUNT:mfa/NAME`); hardware tokens a plain serial number. */
function deviceResource(serial: string, account: string): FindingResource[] {
  return /^arn:[^:]+:iam::\d{12}:mfa\//.test(serial) ? [{ type: "AWS::IAM::VirtualMFADevice", id: serial, arn: serial, account }] : [];
}

const OPERATOR = "arn:aws:iam::111122223333:user/christophe";

export default defineDetector({
  id: "iam.mfa-device-deactivated",
  title: "MFA device deactivated or virtual MFA device deleted",
  severity: "high",
  mitre: ["T1556.006"],
  pattern: {
    source: ["aws.iam"],
    "detail-type": [API_CALL],
    detail: {
      eventSource: ["iam.amazonaws.com"],
      eventName: ["DeactivateMFADevice", "DeleteVirtualMFADevice"],
      errorCode: [{ exists: false }],
    },
  },
  evaluate(record) {
    const serial = param(record, "serialNumber");
    if (!serial) return undefined;
    const account = record.recipientAccountId;
    if (record.eventName === "DeleteVirtualMFADevice") {
      return {
        summary: sentence(`${actorName(record)} deleted virtual MFA device ${serial}.`),
        resources: [{ type: "AWS::IAM::VirtualMFADevice", id: serial, ...(serial.startsWith("arn:") ? { arn: serial } : {}), account }],
      };
    }
    // Without userName, the caller deactivated a device of its own (an IAM user, or the root user).
    const userName = param(record, "userName");
    const identity = record.userIdentity;
    const own = !userName || (identity.type === "IAMUser" && identity.userName?.toLowerCase() === userName.toLowerCase());
    const whose = own ? `its own MFA device ${serial}` : `MFA device ${serial} of IAM user ${userName}`;
    const resources: FindingResource[] = [...(userName ? [iamResource(record, "user", userName)] : []), ...deviceResource(serial, account)];
    if (resources.length === 0) resources.push({ type: "AWS::::Account", id: account, account });
    return {
      summary: sentence(`${actorName(record)} deactivated ${whose}.`),
      resources,
    };
  },
  runbook:
    "A user (or the root user) lost a second factor: DeactivateMFADevice removes it from the user, DeleteVirtualMFADevice deletes a virtual device, which IAM " +
    "allows only once it is no longer assigned, so a deletion usually follows a deactivation reported just before (an unassigned device left by an abandoned " +
    "enrolment is the harmless case). An attacker who holds a password or a session removes MFA to sign in again at will or to enrol a device of their own. " +
    "Ask the user whether they replaced a lost device; a genuine replacement is followed within minutes by CreateVirtualMFADevice and EnableMFADevice for the " +
    "same user. If not, reset the user's password, deactivate keys created since, enrol a new device with the owner present, and review the user's ConsoleLogin " +
    "events after this time. No remediation is proposed: a device cannot be re-enabled without its codes. A refused call (errorCode) is not a finding here: " +
    "the device is still in force.",
  examples: {
    match: [
      {
        description: "An operator's key deactivates another user's virtual MFA device",
        record: mfaCall("bba6ab10-99e7-4149-b613-f13f04a7134b", "2024-07-06T02:41:18Z", "DeactivateMFADevice", iamUser(OPERATOR), {
          userName: "j.doe",
          serialNumber: "arn:aws:iam::111122223333:mfa/j.doe-iphone",
        }),
      },
      {
        description: "The root user deactivates its own hardware token from the console",
        record: mfaCall("ace76b93-9d59-4730-86c6-3508172e4b4e", "2024-07-06T02:45:52Z", "DeactivateMFADevice", root(), { serialNumber: "GAHT10482235" }, { userAgent: USER_AGENTS.console }),
      },
      {
        description: "The virtual device is deleted right after",
        record: mfaCall("718469cb-1ebe-4f9f-86e7-6d5305cefef3", "2024-07-06T02:41:20Z", "DeleteVirtualMFADevice", iamUser(OPERATOR), {
          serialNumber: "arn:aws:iam::111122223333:mfa/j.doe-iphone",
        }),
      },
    ],
    noMatch: [
      {
        description: "A user enabling a new virtual MFA device: the opposite change",
        record: mfaCall(
          "40f7eb27-2a41-4dbb-bd3d-6705c07cad1f",
          "2024-07-06T02:50:33Z",
          "EnableMFADevice",
          iamUser("arn:aws:iam::111122223333:user/engineering/alice", { console: true }),
          { userName: "alice", serialNumber: "arn:aws:iam::111122223333:mfa/alice-pixel" },
          { userAgent: USER_AGENTS.console },
        ),
      },
      {
        description: "A DeleteVirtualMFADevice refused because the device is still assigned",
        record: mfaCall(
          "dca64a80-9882-4c2a-a586-5595208efb5c",
          "2024-07-06T02:53:07Z",
          "DeleteVirtualMFADevice",
          iamUser(OPERATOR),
          { serialNumber: "arn:aws:iam::111122223333:mfa/alice-pixel" },
          { error: { code: "DeleteConflictException", message: "MFA Device is in use and cannot be deleted." } },
        ),
      },
      {
        description: "A DeactivateMFADevice that IAM refused",
        record: mfaCall(
          "30d893af-f5dc-49ce-bf21-76a37fd8e730",
          "2024-07-06T02:55:44Z",
          "DeactivateMFADevice",
          assumedRole("arn:aws:iam::111122223333:role/app/orders-api", "i-0f3c9d2e1b4a56789"),
          { userName: "j.doe", serialNumber: "arn:aws:iam::111122223333:mfa/j.doe-iphone" },
          {
            error: {
              code: "AccessDenied",
              message:
                "User: arn:aws:sts::111122223333:assumed-role/orders-api/i-0f3c9d2e1b4a56789 is not authorized to perform: iam:DeactivateMFADevice on resource: user j.doe because no identity-based policy allows the iam:DeactivateMFADevice action",
            },
          },
        ),
      },
    ],
  },
});
