/**
 * The relay's IAM policies as Terraform expressions (`jsonencode({...})`), because their statements
 * depend on which integrations are enabled. Exact actions on exact ARNs; the one `*` resource is
 * `ecr:GetAuthorizationToken`, which AWS does not scope to a resource.
 */

/** Actions the relay calls on each integration's resources. */
export const RELAY_ACTIONS = {
  sendToQueue: ["sqs:SendMessage"],
  consumeOutbound: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"],
  readSecret: ["secretsmanager:GetSecretValue"],
  stateObjects: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
  listState: ["s3:ListBucket"],
  pullImage: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
  authorizeRegistry: ["ecr:GetAuthorizationToken"],
  writeLogs: ["logs:CreateLogStream", "logs:PutLogEvents"],
} as const;

/** One line, no trailing commas: Terraform JSON strings hold one-line expressions best. */
export function oneLine(expression: string): string {
  return expression
    .replace(/\s*\n\s*/g, " ")
    .replace(/,\s*([\])])/g, "$1")
    .trim();
}

const list = (actions: readonly string[]) => `[${actions.map((a) => JSON.stringify(a)).join(", ")}]`;

/**
 * The execution role: pull the image from the created repository, write the task's logs, and read the
 * Discord secret to inject its `bot_token` as DISCORD_BOT_TOKEN (ECS `secrets`), so the relay itself
 * needs no Secrets Manager access (nor its SDK in memory).
 */
export function executionPolicy(o: { repositoryArns: string; logGroup: string }): string {
  return oneLine(`jsonencode({ Version = "2012-10-17", Statement = concat(
    length(${o.repositoryArns}) > 0 ? [
      { Sid = "AuthorizeRegistry", Effect = "Allow", Action = ${list(RELAY_ACTIONS.authorizeRegistry)}, Resource = "*" },
      { Sid = "PullImage", Effect = "Allow", Action = ${list(RELAY_ACTIONS.pullImage)}, Resource = ${o.repositoryArns} },
    ] : [],
    [{ Sid = "WriteLogs", Effect = "Allow", Action = ${list(RELAY_ACTIONS.writeLogs)}, Resource = "\${${o.logGroup}.arn}:*" }],
    var.enable_discord ? [
      { Sid = "ReadDiscordSecret", Effect = "Allow", Action = ${list(RELAY_ACTIONS.readSecret)}, Resource = var.discord_secret_arn },
    ] : [],
  ) })`);
}

/**
 * The task role: send to the enabled channels' queues, consume the outbound queue, and its own prefixes
 * of the state bucket (the Discord session; the WhatsApp auth state). `s3:ListBucket` on the bucket
 * (which holds only this relay's state) is what makes S3 answer 404 for an object not written yet,
 * instead of 403; the relay also lists the auth state to clear it after a logout.
 */
export function taskPolicy(o: { bucket: string; authPrefix: string; discordPrefix: string }): string {
  return oneLine(`jsonencode({ Version = "2012-10-17", Statement = concat(
    [{ Sid = "ListStateBucket", Effect = "Allow", Action = ${list(RELAY_ACTIONS.listState)}, Resource = ${o.bucket}.arn }],
    var.enable_discord ? [
      { Sid = "SendToDiscordQueue", Effect = "Allow", Action = ${list(RELAY_ACTIONS.sendToQueue)}, Resource = var.discord_queue_arn },
      { Sid = "DiscordSessionObjects", Effect = "Allow", Action = ${list(RELAY_ACTIONS.stateObjects)}, Resource = "\${${o.bucket}.arn}/${o.discordPrefix}*" },
    ] : [],
    var.enable_whatsapp_personal ? [
      { Sid = "SendToWhatsAppQueue", Effect = "Allow", Action = ${list(RELAY_ACTIONS.sendToQueue)}, Resource = var.whatsapp_personal_queue_arn },
      { Sid = "ConsumeOutboundQueue", Effect = "Allow", Action = ${list(RELAY_ACTIONS.consumeOutbound)}, Resource = var.whatsapp_personal_outbound_queue_arn },
      { Sid = "AuthStateObjects", Effect = "Allow", Action = ${list(RELAY_ACTIONS.stateObjects)}, Resource = "\${${o.bucket}.arn}/${o.authPrefix}*" },
    ] : [],
  ) })`);
}
