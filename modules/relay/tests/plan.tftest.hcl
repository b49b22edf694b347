# Plans of the relay module with each integration on, both, and bad input (mocked AWS provider).

mock_provider "aws" {
  source = "../../test/terraform/mocks"
}

variables {
  name               = "bot-relay"
  subnet_ids         = ["subnet-0123456789abcdef0"]
  security_group_ids = ["sg-0123456789abcdef0"]

  discord_queue_url  = "https://sqs.us-east-1.amazonaws.com/123456789012/bot-discord.fifo"
  discord_queue_arn  = "arn:aws:sqs:us-east-1:123456789012:bot-discord.fifo"
  discord_secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:bot-discord-AbCdEf"

  whatsapp_personal_queue_url          = "https://sqs.us-east-1.amazonaws.com/123456789012/bot-wa.fifo"
  whatsapp_personal_queue_arn          = "arn:aws:sqs:us-east-1:123456789012:bot-wa.fifo"
  whatsapp_personal_outbound_queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/bot-wa-outbound.fifo"
  whatsapp_personal_outbound_queue_arn = "arn:aws:sqs:us-east-1:123456789012:bot-wa-outbound.fifo"
}

run "discord_only" {
  command = plan

  variables {
    enable_discord = true
  }

  # The execution policy is the one whose optional statements once failed every plan ("Inconsistent
  # conditional result types"): it must plan, with each statement where it belongs.
  assert {
    condition     = toset([for s in data.aws_iam_policy_document.execution.statement : s.sid]) == toset(["WriteLogs", "AuthorizeRegistry", "PullImage", "ReadDiscordSecret"])
    error_message = "execution policy: logs, registry, image, the Discord secret"
  }
  assert {
    condition     = one([for s in data.aws_iam_policy_document.execution.statement : s.resources if s.sid == "ReadDiscordSecret"]) == toset([var.discord_secret_arn])
    error_message = "the execution role reads the Discord secret only"
  }
  assert {
    condition     = toset([for s in data.aws_iam_policy_document.task.statement : s.sid]) == toset(["ListStateBucket", "SendToDiscordQueue", "DiscordSessionObjects"])
    error_message = "task policy with Discord only: no WhatsApp statement"
  }
  assert {
    condition     = one([for s in data.aws_iam_policy_document.task.statement : s.resources if s.sid == "SendToDiscordQueue"]) == toset([var.discord_queue_arn])
    error_message = "the task sends to the Discord queue only"
  }
  assert {
    condition     = aws_ecs_service.this.desired_count == 1 && aws_ecs_service.this.deployment_maximum_percent == 100 && aws_ecs_service.this.deployment_minimum_healthy_percent == 0
    error_message = "one task, never two at once"
  }
  assert {
    condition     = aws_s3_bucket.state.bucket == "bot-relay-state-123456789012"
    error_message = "the state bucket is named after the deployment and the account"
  }
}

run "whatsapp_only" {
  command = plan

  variables {
    enable_whatsapp_personal = true
  }

  assert {
    condition     = toset([for s in data.aws_iam_policy_document.execution.statement : s.sid]) == toset(["WriteLogs", "AuthorizeRegistry", "PullImage"])
    error_message = "no Discord secret without Discord"
  }
  assert {
    condition     = toset([for s in data.aws_iam_policy_document.task.statement : s.sid]) == toset(["ListStateBucket", "SendToWhatsAppQueue", "ConsumeOutboundQueue", "AuthStateObjects"])
    error_message = "task policy with WhatsApp personal only"
  }
}

run "both_with_an_image_uri" {
  command = plan

  variables {
    enable_discord           = true
    enable_whatsapp_personal = true
    create_ecr_repository    = false
    image_uri                = "123456789012.dkr.ecr.us-east-1.amazonaws.com/relay@sha256:0000000000000000000000000000000000000000000000000000000000000000"
  }

  assert {
    condition     = toset([for s in data.aws_iam_policy_document.execution.statement : s.sid]) == toset(["WriteLogs", "ReadDiscordSecret"])
    error_message = "no registry statements without a created repository"
  }
  assert {
    condition     = length(data.aws_iam_policy_document.task.statement) == 6
    error_message = "task policy with both integrations"
  }
}

run "memory_must_fit_the_cpu" {
  command = plan

  variables {
    enable_discord = true
    cpu            = 256
    memory_mb      = 4096
  }

  expect_failures = [var.memory_mb]
}

run "longest_name" {
  command = plan

  variables {
    name           = "a2345678901234567890123456789012345678901234"
    enable_discord = true
  }

  assert {
    condition     = length(aws_s3_bucket.state.bucket) == 63
    error_message = "44 characters make a 63-character bucket name"
  }
}

run "name_too_long" {
  command = plan

  variables {
    name           = "a23456789012345678901234567890123456789012345"
    enable_discord = true
  }

  expect_failures = [var.name]
}

run "name_with_a_leading_hyphen" {
  command = plan

  variables {
    name           = "-relay"
    enable_discord = true
  }

  expect_failures = [var.name]
}

run "name_with_a_double_hyphen" {
  command = plan

  variables {
    name           = "my--relay"
    enable_discord = true
  }

  expect_failures = [var.name]
}
