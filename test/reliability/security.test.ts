import { expect, test } from "bun:test";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkModules } from "./security.ts";
import { hclStatements } from "./security-policies.ts";

/** A Terraform interpolation, `${expr}`, as the synthesized JSON holds it. */
const tf = (expr: string) => `\${${expr}}`;

/** A module with every kind of mistake the checks look for. */
const BAD = {
  data: {
    aws_iam_policy_document: {
      worker: {
        statement: [
          { actions: ["sqs:*"], resources: [tf("aws_sqs_queue.this.arn")] },
          { actions: ["dynamodb:GetItem"], resources: ["*"] },
          { actions: ["s3:GetObject"], resources: ["arn:aws:s3:::other-bucket/*"] },
          { actions: ["logs:PutLogEvents"], resources: [`${tf("aws_cloudwatch_log_group.worker.arn")}:*`] },
        ],
      },
    },
  },
  resource: {
    aws_sqs_queue: { this: { fifo_queue: true } },
    aws_lambda_function: { worker: { environment: { variables: { BOT_TOKEN: "x", SECRET_ARN: "arn" } } } },
  },
};

test("the checks catch wildcard actions, unexplained wildcards, plain queues and exposed secrets", async () => {
  const root = await mkdtemp(join(tmpdir(), "reliability-security-"));
  try {
    await mkdir(join(root, "modules", "bad"), { recursive: true });
    await writeFile(join(root, "modules", "bad", "main.tf.json"), JSON.stringify(BAD));
    await writeFile(
      join(root, "modules", "bad", "variables.tf.json"),
      JSON.stringify({ variable: { bot_token: { type: "string" }, secret_arn: { type: "string" } } }),
    );
    const figures = await checkModules(root);
    expect(figures.wildcardActions).toHaveLength(1);
    expect(figures.unexplainedWildcards).toHaveLength(2);
    expect(figures.exceptions.map((e) => e.value)).toEqual([
      `${tf("aws_cloudwatch_log_group.worker.arn")}:*`,
    ]);
    expect(figures.encryption.filter((e) => !e.ok)).toHaveLength(1);
    expect(figures.insensitiveSecretInputs).toEqual(["bad: variable bot_token"]);
    expect(figures.secretsInEnvironment).toEqual(["bad: worker.BOT_TOKEN"]);
    expect(figures.problems).toHaveLength(6);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("jsonencode()d HCL policies are read statement by statement; Resource * only where AWS needs it", () => {
  const policy = tf(
    'jsonencode({ Statement = [{ Sid = "A", Effect = "Allow", Action = ["ecr:GetAuthorizationToken"], Resource = "*" }, { Effect = "Deny", Principal = "*", Action = "s3:*", Resource = [aws_s3_bucket.b.arn] }] })',
  );
  expect(hclStatements("m", "p", policy)).toEqual([
    { module: "m", where: "p", effect: "Allow", actions: ["ecr:GetAuthorizationToken"], resources: ["*"] },
    { module: "m", where: "p", effect: "Deny", actions: ["s3:*"], resources: [] },
  ]);
});
