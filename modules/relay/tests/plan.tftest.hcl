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
    condition     = toset([for s in data.aws_iam_policy_document.task.statement : s.sid]) == toset(["ListStateBucket", "StateLease", "SendToDiscordQueue", "DiscordSessionObjects"])
    error_message = "task policy with Discord only: the lease, no WhatsApp statement"
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

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this[0].container_definitions)[0].healthCheck.startPeriod == 300 && strcontains(join(" ", jsondecode(aws_ecs_task_definition.this[0].container_definitions)[0].healthCheck.command), "http://127.0.0.1:8080/health")
    error_message = "ECS checks GET /health, after a grace period for pairing"
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

run "whatsapp_only_with_force_destroy" {
  command = plan

  variables {
    whatsapp_personal = {
      queue_url          = "https://sqs.us-east-1.amazonaws.com/123456789012/bot-wa.fifo"
      queue_arn          = "arn:aws:sqs:us-east-1:123456789012:bot-wa.fifo"
      outbound_queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/bot-wa-outbound.fifo"
      outbound_queue_arn = "arn:aws:sqs:us-east-1:123456789012:bot-wa-outbound.fifo"
    }
    force_destroy = true
    discord       = null
  }

  assert {
    condition     = toset([for s in data.aws_iam_policy_document.execution.statement : s.sid]) == toset(["WriteLogs", "AuthorizeRegistry", "PullImage"])
    error_message = "no Discord secret without Discord"
  }
  assert {
    condition     = toset([for s in data.aws_iam_policy_document.task.statement : s.sid]) == toset(["ListStateBucket", "StateLease", "SendToWhatsAppQueue", "ConsumeOutboundQueue", "AuthStateObjects"])
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
    condition     = [for e in jsondecode(aws_ecs_task_definition.this[0].container_definitions)[0].environment : e.name] == ["PORT", "LOG_LEVEL", "STATE_BUCKET", "WHATSAPP_PERSONAL_QUEUE_URL", "OUTBOUND_QUEUE_URL", "AUTH_PREFIX"]
    error_message = "the relay's configuration for WhatsApp personal"
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
