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

/** A module with a bucket under a key of its own: `key` and `guard` parts replaced per case. */
function keyed(key: Record<string, unknown>, guard: Record<string, unknown>[]) {
  const role = tf("aws_iam_role.task.arn");
  return {
    data: {
      aws_iam_policy_document: {
        state_key: {
          statement: [
            {
              sid: "Admin",
              principals: [{ type: "AWS", identifiers: [tf("data.aws_caller_identity.current.account_id")] }],
              actions: ["kms:PutKeyPolicy", "kms:DescribeKey"],
              resources: ["*"],
            },
            {
              sid: "Use",
              principals: [{ type: "AWS", identifiers: [role] }],
              actions: ["kms:Decrypt"],
              resources: ["*"],
            },
          ],
        },
        state_bucket: { statement: guard },
      },
    },
    resource: {
      aws_kms_key: {
        state: {
          enable_key_rotation: true,
          policy: tf("data.aws_iam_policy_document.state_key.json"),
          ...key,
        },
      },
      aws_s3_bucket: { state: {} },
      aws_s3_bucket_server_side_encryption_configuration: {
        state: {
          bucket: tf("aws_s3_bucket.state.id"),
          rule: [
            {
              apply_server_side_encryption_by_default: {
                sse_algorithm: "aws:kms",
                kms_master_key_id: tf("aws_kms_key.state.arn"),
              },
            },
          ],
        },
      },
      aws_s3_bucket_policy: {
        state: {
          bucket: tf("aws_s3_bucket.state.id"),
          policy: tf("data.aws_iam_policy_document.state_bucket.json"),
        },
      },
    },
  };
}

/** A Deny of object reads to every principal but `exempt`. */
const guard = (exempt: string) => ({
  effect: "Deny",
  principals: [{ type: "*", identifiers: ["*"] }],
  actions: ["s3:GetObject"],
  resources: [`${tf("aws_s3_bucket.state.arn")}/secret/*`],
  condition: [{ test: "StringNotEquals", variable: "aws:PrincipalArn", values: [exempt] }],
});

async function checkOne(module: Record<string, unknown>) {
  const root = await mkdtemp(join(tmpdir(), "reliability-security-"));
  try {
    await mkdir(join(root, "modules", "m"), { recursive: true });
    await writeFile(join(root, "modules", "m", "main.tf.json"), JSON.stringify(module));
    return await checkModules(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test("a bucket under a key of its own: the key rotated, used by one role, and reads guarded for that role alone", async () => {
  const good = await checkOne(keyed({}, [guard(tf("aws_iam_role.task.arn"))]));
  expect(good.problems).toEqual([]);
  expect(good.keys).toEqual([
    {
      module: "m",
      resource: "aws_kms_key.state",
      rotation: true,
      users: [tf("aws_iam_role.task.arn")],
      problems: [],
    },
  ]);
  expect(good.encryption).toEqual([
    {
      module: "m",
      resource: "aws_s3_bucket.state",
      how: "SSE-KMS with aws_kms_key.state (used only by aws_iam_role.task); object reads denied to all but aws_iam_role.task",
      ok: true,
    },
  ]);
  expect(good.exceptions.map((e) => `${e.value} ${e.reason}`)).toContain(
    "* a key policy's resource: the key itself",
  );
});

test("what the key checks catch: rotation off, the account using the key, a bucket without a guard or guarded for someone else", async () => {
  const problems = async (module: Record<string, unknown>) => (await checkOne(module)).problems;
  expect(await problems(keyed({ enable_key_rotation: false }, [guard(tf("aws_iam_role.task.arn"))]))).toEqual(
    [
      "not encrypted at rest as it must be: m: aws_s3_bucket.state (SSE-KMS with aws_kms_key.state (used only by aws_iam_role.task); object reads denied to all but aws_iam_role.task)",
      "KMS key m: aws_kms_key.state: rotation is off",
    ],
  );
  const rooted = keyed({}, [guard(tf("aws_iam_role.task.arn"))]);
  const statements = rooted.data.aws_iam_policy_document.state_key.statement as { actions: string[] }[];
  (statements[0] as { actions: string[] }).actions.push("kms:Decrypt");
  expect((await problems(rooted)).at(-1)).toBe(
    `KMS key m: aws_kms_key.state: its policy lets ${tf("data.aws_caller_identity.current.account_id")} use it`,
  );
  expect(await problems(keyed({}, []))).toEqual([
    "not encrypted at rest as it must be: m: aws_s3_bucket.state (SSE-KMS with aws_kms_key.state (used only by aws_iam_role.task); object reads denied to all but nobody: no guard)",
  ]);
  expect(await problems(keyed({}, [guard(tf("aws_iam_role.other.arn"))]))).toHaveLength(1);
});
