import type { AwsClients, ClientConstructor } from "../../core/remediation.js";
import { iamActionFor } from "../../remediations/iam-actions.js";

interface MiddlewareClient {
  middlewareStack: {
    add(
      middleware: (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) => (args: unknown) => Promise<unknown>,
      options: { step: "initialize"; name: string },
    ): void;
  };
}

/**
 * Clients that record every command they send, as `<client>:<command>` and as
 * the IAM action it needs, so a test can assert a remediation called only
 * what it declares (and that plan wrote nothing). `adjust` sees each client
 * once it is made (e.g. to route S3 Control to moto: ./s3-control.ts).
 */
export function recordingClients(config: (region?: string) => Record<string, unknown>, adjust: (client: object) => void = () => undefined) {
  const calls: { client: string; command: string; action: string }[] = [];
  const aws: AwsClients = {
    client<T>(ctor: ClientConstructor<T>, region?: string): T {
      const client = new ctor(config(region));
      (client as unknown as MiddlewareClient).middlewareStack.add(
        (next, context) => async (args) => {
          const clientName = context.clientName ?? ctor.name;
          const command = context.commandName ?? "unknown";
          calls.push({ client: clientName, command, action: iamActionFor(clientName, command) });
          return next(args);
        },
        { step: "initialize", name: "trailwardenRecordCalls" },
      );
      adjust(client as object);
      return client;
    },
  };
  return { aws, calls, reset: () => void (calls.length = 0) };
}
