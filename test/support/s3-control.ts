import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { DEFAULT_REMEDIATOR_ROLE_NAME } from "../../core/remediation-config.js";
import { motoClientConfig } from "./aws.js";

/**
 * What the real S3 Control client needs to reach moto_server for `account`.
 *
 * The SDK puts the account id into the host name (`<account>.<endpoint host>`).
 * With the endpoint spelled `localhost` that URL is valid (with `127.0.0.1`
 * the SDK cannot even build it); `adjustClient` adds a build-step middleware
 * that sends the request back to moto's loopback address. moto reads the
 * account from the x-amz-account-id header and refuses other accounts than
 * the caller's, so the credentials come from a role assumed in `account`
 * first, as the pipeline does in the cloud.
 */
export async function s3ControlOnMoto(account: string) {
  const config = motoClientConfig("us-east-1");
  const { Credentials } = await new STSClient(config).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${DEFAULT_REMEDIATOR_ROLE_NAME}`, RoleSessionName: "remediation-test" }),
  );
  if (!Credentials?.AccessKeyId || !Credentials.SecretAccessKey) throw new Error("moto returned no credentials");
  const credentials = { accessKeyId: Credentials.AccessKeyId, secretAccessKey: Credentials.SecretAccessKey, sessionToken: Credentials.SessionToken };
  const endpoint = new URL(config.endpoint);
  const loopback = endpoint.hostname;
  endpoint.hostname = "localhost";
  return {
    clientConfig: (region?: string): Record<string, unknown> => ({ ...motoClientConfig(region), endpoint: endpoint.origin, credentials }),
    /** Sends an S3 Control client's requests to moto's loopback address; other clients are left alone. */
    adjustClient(client: object): void {
      if (!(client instanceof S3ControlClient)) return;
      client.middlewareStack.add(
        (next) => async (args) => {
          (args as { request: { hostname?: string } }).request.hostname = loopback;
          return next(args);
        },
        { step: "build", name: "trailwardenS3ControlLoopback" },
      );
    },
  };
}
