import { inject } from "vitest";

/** Client settings for the real AWS SDK against the suite's moto_server: loopback only, fake credentials. */
export function motoClientConfig(region = "us-east-1") {
  return {
    endpoint: inject("motoEndpoint"),
    region,
    forcePathStyle: true,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  };
}
