# Plans of the relay module (mocked AWS provider): each integration on, both, before and after the first
# image, and the inputs it refuses. `discord` and `whatsapp_personal` take the channel modules' outputs.

mock_provider "aws" {
  source = "../../test/terraform/mocks"
}

# Known at plan the ids the container definition is made of, so the plans can read it.
override_resource {
  target          = aws_s3_bucket.state
  override_during = plan
  values = {
    id  = "bot-relay-state-123456789012"
    arn = "arn:aws:s3:::bot-relay-state-123456789012"
  }
}

override_resource {
  target          = aws_cloudwatch_log_group.this
  override_during = plan
  values = {
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/bot-relay"
  }
}

override_resource {
  target          = aws_iam_role.task
  override_during = plan
  values = {
    arn = "arn:aws:iam::123456789012:role/bot-relay-task"
  }
}

override_resource {
  target          = aws_kms_key.state
  override_during = plan
  values = {
    arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  }
}

override_resource {
  target          = aws_ecr_repository.this
  override_during = plan
  values = {
    arn            = "arn:aws:ecr:us-east-1:123456789012:repository/bot-relay"
    repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/bot-relay"
  }
}

variables {
  name               = "bot-relay"
  subnet_ids         = ["subnet-0123456789abcdef0"]
  security_group_ids = ["sg-0123456789abcdef0"]
  image_tag          = "v1.0.0"

  discord = {
    queue_url  = "https://sqs.us-east-1.amazonaws.com/123456789012/bot-discord.fifo"
    queue_arn  = "arn:aws:sqs:us-east-1:123456789012:bot-discord.fifo"
    secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:bot-discord-AbCdEf"
  }
}

run "discord_only" {
  command = plan

  variables {
    # Like `discord = module.discord`: more attributes than the relay reads.
    discord = {
      queue_url   = "https://sqs.us-east-1.amazonaws.com/123456789012/bot-discord.fifo"
      queue_arn   = "arn:aws:sqs:us-east-1:123456789012:bot-discord.fifo"
      secret_arn  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:bot-discord-AbCdEf"
      webhook_url = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/discord/interactions"
    }
  }

  # The execution policy is the one whose optional statements once failed every plan ("Inconsistent
  # conditional result types"): it must plan, with each statement where it belongs.
  assert {
    condition     = toset([for s in data.aws_iam_policy_document.execution.statement : s.sid]) == toset(["WriteLogs", "AuthorizeRegistry", "PullImage", "ReadDiscordSecret"])
    error_message = "execution policy: logs, registry, image, the Discord secret"
  }
  assert {
    condition     = one([for s in data.aws_iam_policy_document.execution.statement : s.resources if s.sid == "ReadDiscordSecret"]) == toset([var.discord.secret_arn])
    error_message = "the execution role reads the Discord secret only"
  }
  assert {
    condition     = toset([for s in data.aws_iam_policy_document.task.statement : s.sid]) == toset(["ListStateBucket", "StateLease", "UseStateKey", "SendToDiscordQueue", "DiscordSessionObjects"])
    error_message = "task policy with Discord only: the lease and the state key, no WhatsApp statement"
  }
  assert {
    condition     = one([for s in data.aws_iam_policy_document.task.statement : s.resources if s.sid == "SendToDiscordQueue"]) == toset([var.discord.queue_arn])
    error_message = "the task sends to the Discord queue only"
  }
  assert {
    condition     = aws_ecs_service.this[0].desired_count == 1 && aws_ecs_service.this[0].deployment_maximum_percent == 100 && aws_ecs_service.this[0].deployment_minimum_healthy_percent == 0
    error_message = "one task, never two at once"
  }
  assert {
    condition     = aws_ecs_service.this[0].deployment_circuit_breaker[0].enable && aws_ecs_service.this[0].deployment_circuit_breaker[0].rollback
    error_message = "a failing deployment rolls back"
  }
  assert {
    condition     = aws_s3_bucket.state.bucket == "bot-relay-state-123456789012" && !aws_s3_bucket.state.force_destroy && !aws_ecr_repository.this[0].force_delete
    error_message = "the state bucket is named after the deployment and the account; destroy keeps what the relay made"
  }
  assert {
    condition     = aws_ecr_repository.this[0].image_tag_mutability == "IMMUTABLE" && jsondecode(aws_ecs_task_definition.this[0].container_definitions)[0].image == "123456789012.dkr.ecr.us-east-1.amazonaws.com/bot-relay:v1.0.0"
    error_message = "the task runs the pinned tag of the immutable repository"
  }
  assert {
    condition     = length(data.aws_iam_policy_document.ecs_tasks_trust.statement[0].condition) == 1 && alltrue([for c in data.aws_iam_policy_document.ecs_tasks_trust.statement[0].condition : c.test == "StringEquals" && c.variable == "aws:SourceAccount" && contains(c.values, "123456789012")])
    error_message = "the roles trust ECS tasks of this account only"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.no_task[0].metric_name == "CPUUtilization" && aws_cloudwatch_metric_alarm.no_task[0].treat_missing_data == "breaching" && aws_cloudwatch_metric_alarm.no_task[0].statistic == "SampleCount"
    error_message = "an alarm when no task reports"
  }
}

run "container_health_check_and_secrets" {
  command = plan

  variables {
    image_uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/relay@sha256:0000000000000000000000000000000000000000000000000000000000000000"
  }

  # The image's own check (relay/healthcheck.ts): it passes while the relay waits for a QR scan or a re-pair,
  # so those need no grace; the start period covers a new task waiting out a crashed one's 90 s lease.
  assert {
    condition     = jsondecode(aws_ecs_task_definition.this[0].container_definitions)[0].healthCheck == { command = ["CMD", "bun", "dist/healthcheck.js"], interval = 30, timeout = 5, retries = 3, startPeriod = 120 }
    error_message = "ECS runs the image's dist/healthcheck.js, 30 s apart, three strikes, after 120 s"
  }
  assert {
    condition     = { for e in jsondecode(aws_ecs_task_definition.this[0].container_definitions)[0].environment : e.name => e.value }["HEALTH_HOST"] == "127.0.0.1" && !contains(keys(jsondecode(aws_ecs_task_definition.this[0].container_definitions)[0]), "portMappings")
    error_message = "the health endpoint listens on loopback only, and no port is mapped"
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.this[0].container_definitions)[0].secrets == [{ name = "DISCORD_BOT_TOKEN", valueFrom = "${var.discord.secret_arn}:bot_token::" }]
    error_message = "the bot token comes from the secret through ECS"
  }
  assert {
    condition     = length(aws_ecr_repository.this) == 0 && toset([for s in data.aws_iam_policy_document.execution.statement : s.sid]) == toset(["WriteLogs", "ReadDiscordSecret"])
    error_message = "with an image URI: no repository, no registry statements"
  }
}

# The state bucket holds the WhatsApp session's keys: encrypted with a key only the task role may use, and
# a bucket policy that denies reading the keys to every other principal.
run "state_encryption" {
  command = plan

  assert {
    condition     = aws_kms_key.state.enable_key_rotation && aws_kms_key.state.deletion_window_in_days == 30
    error_message = "a key of its own, rotated yearly, 30 days to take back a deletion"
  }
  assert {
    condition     = one([for s in data.aws_iam_policy_document.state_key.statement : s if s.sid == "RelayUsesTheKey"]).actions == toset(["kms:Decrypt", "kms:GenerateDataKey"]) && one(one([for s in data.aws_iam_policy_document.state_key.statement : s if s.sid == "RelayUsesTheKey"]).principals).identifiers == toset(["arn:aws:iam::123456789012:role/bot-relay-task"])
    error_message = "the task role, and only it, encrypts and decrypts with the key"
  }
  assert {
    condition     = one(one([for s in data.aws_iam_policy_document.state_key.statement : s if s.sid == "AccountAdministersTheKey"]).principals).identifiers == toset(["123456789012"]) && length(setintersection(one([for s in data.aws_iam_policy_document.state_key.statement : s if s.sid == "AccountAdministersTheKey"]).actions, ["kms:*", "kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt", "kms:ReEncryptFrom", "kms:CreateGrant"])) == 0 && contains(one([for s in data.aws_iam_policy_document.state_key.statement : s if s.sid == "AccountAdministersTheKey"]).actions, "kms:PutKeyPolicy")
    error_message = "the account administers the key (as AWS requires) but cannot use it: no IAM policy opens the state"
  }
  assert {
    condition     = length(data.aws_iam_policy_document.state_key.statement) == 2
    error_message = "nobody else in the key policy"
  }
  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.state.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms" && one(aws_s3_bucket_server_side_encryption_configuration.state.rule).apply_server_side_encryption_by_default[0].kms_master_key_id == aws_kms_key.state.arn && one(aws_s3_bucket_server_side_encryption_configuration.state.rule).bucket_key_enabled
    error_message = "SSE-KMS with the key by default, with a bucket key (few KMS calls)"
  }
  assert {
    condition     = one([for s in data.aws_iam_policy_document.task.statement : s.resources if s.sid == "UseStateKey"]) == toset([aws_kms_key.state.arn]) && one([for s in data.aws_iam_policy_document.task.statement : s.actions if s.sid == "UseStateKey"]) == toset(["kms:Decrypt", "kms:GenerateDataKey"])
    error_message = "the task role may use the state key"
  }
  assert {
    condition     = one([for s in data.aws_iam_policy_document.state_bucket.statement : s if s.sid == "SessionKeysOnlyForTheRelay"]).effect == "Deny" && one([for s in data.aws_iam_policy_document.state_bucket.statement : s if s.sid == "SessionKeysOnlyForTheRelay"]).actions == toset(["s3:GetObject", "s3:GetObjectVersion"]) && one([for s in data.aws_iam_policy_document.state_bucket.statement : s if s.sid == "SessionKeysOnlyForTheRelay"]).resources == toset(["arn:aws:s3:::bot-relay-state-123456789012/whatsapp-personal/creds.json", "arn:aws:s3:::bot-relay-state-123456789012/whatsapp-personal/keys/*"])
    error_message = "reads of the WhatsApp session's keys are denied..."
  }
  assert {
    condition     = one(one([for s in data.aws_iam_policy_document.state_bucket.statement : s if s.sid == "SessionKeysOnlyForTheRelay"]).condition).test == "StringNotEquals" && one(one([for s in data.aws_iam_policy_document.state_bucket.statement : s if s.sid == "SessionKeysOnlyForTheRelay"]).condition).variable == "aws:PrincipalArn" && one(one([for s in data.aws_iam_policy_document.state_bucket.statement : s if s.sid == "SessionKeysOnlyForTheRelay"]).condition).values == tolist(["arn:aws:iam::123456789012:role/bot-relay-task"]) && one(one([for s in data.aws_iam_policy_document.state_bucket.statement : s if s.sid == "SessionKeysOnlyForTheRelay"]).principals).identifiers == toset(["*"])
    error_message = "...to every principal but the task role"
  }
  assert {
    condition     = toset([for s in data.aws_iam_policy_document.state_bucket.statement : s.sid]) == toset(["TlsOnly", "SessionKeysOnlyForTheRelay"])
    error_message = "the bucket policy: TLS only, the session's keys for the relay only"
  }
  assert {
    condition     = output.state_key_arn == aws_kms_key.state.arn
    error_message = "the key's ARN is an output"
  }
}

run "whatsapp_only_with_force_destroy" {
  command = plan

  variables {
    whatsapp_personal = {
      queue_url          = "https://sqs.us-east-1.amazonaws.com/123456789012/bot-wa.fifo"
      queue_arn          = "arn:aws:sqs:us-east-1:123456789012:bot-wa.fifo"
      outbound_queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/bot-wa-outbound.fifo"
      outbound_queue_arn = "arn:aws:sqs:us-east-1:123456789012:bot-wa-outbound.fifo"
      allowed_users      = ["491701234567@s.whatsapp.net", "12345678901234@lid"]
    }
    force_destroy = true
    discord       = null
  }

  assert {
    condition     = toset([for s in data.aws_iam_policy_document.execution.statement : s.sid]) == toset(["WriteLogs", "AuthorizeRegistry", "PullImage"])
    error_message = "no Discord secret without Discord"
  }
  assert {
    condition     = toset([for s in data.aws_iam_policy_document.task.statement : s.sid]) == toset(["ListStateBucket", "StateLease", "UseStateKey", "SendToWhatsAppQueue", "ConsumeOutboundQueue", "AuthStateObjects"])
    error_message = "task policy with WhatsApp personal only"
  }
  assert {
    condition     = aws_s3_bucket.state.force_destroy && aws_ecr_repository.this[0].force_delete
    error_message = "force_destroy lets destroy delete the images and the state"
  }
  assert {
    condition     = output.pairing_qr_s3_uri == "s3://bot-relay-state-123456789012/whatsapp-personal/pairing-qr.png"
    error_message = "where the pairing QR code appears"
  }
  assert {
    condition     = [for e in jsondecode(aws_ecs_task_definition.this[0].container_definitions)[0].environment : e.name] == ["PORT", "HEALTH_HOST", "LOG_LEVEL", "STATE_BUCKET", "WHATSAPP_PERSONAL_QUEUE_URL", "OUTBOUND_QUEUE_URL", "AUTH_PREFIX", "WHATSAPP_ALLOWED_USERS", "WHATSAPP_LOG_QR"]
    error_message = "the relay's configuration for WhatsApp personal (no group trigger unless given)"
  }
  assert {
    condition     = { for e in jsondecode(aws_ecs_task_definition.this[0].container_definitions)[0].environment : e.name => e.value }["WHATSAPP_ALLOWED_USERS"] == "491701234567@s.whatsapp.net,12345678901234@lid"
    error_message = "the relay lets through exactly the people the worker answers"
  }
  assert {
    condition     = { for e in jsondecode(aws_ecs_task_definition.this[0].container_definitions)[0].environment : e.name => e.value }["WHATSAPP_LOG_QR"] == "false"
    error_message = "the pairing QR code stays out of the log by default"
  }
}

run "whatsapp_media" {
  command = plan

  variables {
    whatsapp_personal = {
      queue_url            = "https://sqs.us-east-1.amazonaws.com/123456789012/bot-wa.fifo"
      queue_arn            = "arn:aws:sqs:us-east-1:123456789012:bot-wa.fifo"
      outbound_queue_url   = "https://sqs.us-east-1.amazonaws.com/123456789012/bot-wa-outbound.fifo"
      outbound_queue_arn   = "arn:aws:sqs:us-east-1:123456789012:bot-wa-outbound.fifo"
      allowed_users        = ["491701234567@s.whatsapp.net"]
      media_bucket_name    = "bot-wa-media-abc"
      media_bucket_arn     = "arn:aws:s3:::bot-wa-media-abc"
      max_attachment_bytes = 1048576
    }
    discord = null
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.task.statement : s if s.sid == "StoreWhatsAppMedia"]).actions == toset(["s3:PutObject"]) && one([for s in data.aws_iam_policy_document.task.statement : s if s.sid == "StoreWhatsAppMedia"]).resources == toset(["arn:aws:s3:::bot-wa-media-abc/relay/whatsapp-personal/*"])
    error_message = "the relay may put WhatsApp personal's files under its prefix of the media bucket, nothing else"
  }
  assert {
    condition     = { for e in jsondecode(aws_ecs_task_definition.this[0].container_definitions)[0].environment : e.name => e.value if startswith(e.name, "WHATSAPP_M") } == { WHATSAPP_MEDIA_BUCKET = "bot-wa-media-abc", WHATSAPP_MAX_ATTACHMENT_BYTES = "1048576", WHATSAPP_MAX_ATTACHMENTS = "10" }
    error_message = "the relay stores files in the module's bucket, within its limits (the default count when not given)"
  }
}

run "whatsapp_group_trigger_and_qr_in_the_log" {
  command = plan

  variables {
    whatsapp_personal = {
      queue_url          = "https://sqs.us-east-1.amazonaws.com/123456789012/bot-wa.fifo"
      queue_arn          = "arn:aws:sqs:us-east-1:123456789012:bot-wa.fifo"
      outbound_queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/bot-wa-outbound.fifo"
      outbound_queue_arn = "arn:aws:sqs:us-east-1:123456789012:bot-wa-outbound.fifo"
      allowed_users      = ["*"]
    }
    whatsapp_group_trigger = "!ai"
    log_pairing_qr         = true
  }

  assert {
    condition     = { for e in jsondecode(aws_ecs_task_definition.this[0].container_definitions)[0].environment : e.name => e.value } == { PORT = "8080", HEALTH_HOST = "127.0.0.1", LOG_LEVEL = "info", STATE_BUCKET = "bot-relay-state-123456789012", DISCORD_QUEUE_URL = var.discord.queue_url, WHATSAPP_PERSONAL_QUEUE_URL = var.whatsapp_personal.queue_url, OUTBOUND_QUEUE_URL = var.whatsapp_personal.outbound_queue_url, AUTH_PREFIX = "whatsapp-personal/", WHATSAPP_ALLOWED_USERS = "*", WHATSAPP_LOG_QR = "true", WHATSAPP_GROUP_TRIGGER = "!ai" }
    error_message = "both integrations, everyone allowed, the trigger word, the QR code in the log"
  }
}

run "before_the_first_push" {
  command = plan

  variables {
    image_tag = null
  }

  assert {
    condition     = length(aws_ecr_repository.this) == 1 && length(aws_ecs_task_definition.this) == 0 && length(aws_ecs_service.this) == 0 && length(aws_cloudwatch_metric_alarm.no_task) == 0 && output.service_name == null
    error_message = "the repository to push to, no task before there is an image"
  }
}

run "nothing_to_relay" {
  command = plan

  variables {
    discord = null
  }

  expect_failures = [aws_iam_role_policy.task]
}

run "memory_must_fit_the_cpu" {
  command = plan

  variables {
    cpu       = 256
    memory_mb = 4096
  }

  expect_failures = [var.memory_mb]
}

run "longest_name" {
  command = plan

  variables {
    name = "a2345678901234567890123456789012345678901234"
  }

  assert {
    condition     = length(aws_s3_bucket.state.bucket) == 63
    error_message = "44 characters make a 63-character bucket name"
  }
}

run "refuses_bad_names_and_images" {
  command = plan

  variables {
    name      = "-Relay"
    image_uri = "relay:latest and more"
  }

  expect_failures = [var.name, var.image_uri]
}

run "refuses_a_trigger_of_two_words_and_allowed_users_that_are_not_jids" {
  command = plan

  variables {
    whatsapp_personal = {
      queue_url          = "https://sqs.us-east-1.amazonaws.com/123456789012/bot-wa.fifo"
      queue_arn          = "arn:aws:sqs:us-east-1:123456789012:bot-wa.fifo"
      outbound_queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/bot-wa-outbound.fifo"
      outbound_queue_arn = "arn:aws:sqs:us-east-1:123456789012:bot-wa-outbound.fifo"
      allowed_users      = ["+49 170 1234567"]
    }
    whatsapp_group_trigger = "hey bot"
  }

  expect_failures = [var.whatsapp_personal, var.whatsapp_group_trigger]
}

run "refuses_an_empty_allowlist" {
  command = plan

  variables {
    whatsapp_personal = {
      queue_url          = "https://sqs.us-east-1.amazonaws.com/123456789012/bot-wa.fifo"
      queue_arn          = "arn:aws:sqs:us-east-1:123456789012:bot-wa.fifo"
      outbound_queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/bot-wa-outbound.fifo"
      outbound_queue_arn = "arn:aws:sqs:us-east-1:123456789012:bot-wa-outbound.fifo"
      allowed_users      = []
    }
  }

  expect_failures = [var.whatsapp_personal]
}

run "name_too_long" {
  command = plan

  variables {
    name = "a23456789012345678901234567890123456789012345"
  }

  expect_failures = [var.name]
}

run "name_with_a_double_hyphen" {
  command = plan

  variables {
    name = "my--relay"
  }

  expect_failures = [var.name]
}
