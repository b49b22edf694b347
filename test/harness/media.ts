import type { FakeStack } from "./stack.ts";

/** The attachments of the agent's last invocation, as the worker handed them over. */
export function agentAttachments(stack: FakeStack): Record<string, unknown>[] {
  const payload = stack.agentcore.invocations().at(-1)?.payload as
    | { attachments?: Record<string, unknown>[] }
    | undefined;
  if (!payload?.attachments) throw new Error("the agent was not asked, or got no attachments");
  return payload.attachments;
}
