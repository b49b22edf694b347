# Serverless where the platform has webhooks, one small always-on task where it has not:
# Telegram and Slack (webhooks), Discord slash commands (interactions webhook), and Discord chat messages
# (gateway only) through the relay on ECS Fargate. Walkthrough: README.md in this folder.

terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}

provider "aws" {
  # The region of your AgentCore runtime: the workers invoke it from the same region.
  region = var.region
}

locals {
  tags = {
    Project = "agentcore-relay"
  }
}

# ── Serverless channels ──────────────────────────────────────────────────────────────────────────────────

module "telegram" {
  source = "../../modules/telegram"

  name              = "${var.name}-telegram"
  agent_runtime_arn = var.agent_runtime_arn
  bot_token         = var.telegram_bot_token
  allowed_users     = var.telegram_allowed_users
  session_scope     = var.session_scope
  tags              = local.tags
}

module "slack" {
  source = "../../modules/slack"

  name              = "${var.name}-slack"
  agent_runtime_arn = var.agent_runtime_arn
  bot_token         = var.slack_bot_token
  signing_secret    = var.slack_signing_secret
  allowed_users     = var.slack_allowed_users
  session_scope     = var.session_scope
  tags              = local.tags
}

# Slash commands arrive as interactions (a webhook); the same worker answers the relay's chat messages.
module "discord" {
  source = "../../modules/discord"

  name              = "${var.name}-discord"
  agent_runtime_arn = var.agent_runtime_arn
  application_id    = var.discord_application_id
  public_key        = var.discord_public_key
  bot_token         = var.discord_bot_token
  allowed_users     = var.discord_allowed_users
  session_scope     = var.session_scope
  tags              = local.tags
}

# ── The relay: Discord chat messages over the gateway ────────────────────────────────────────────────────

# The default VPC's public subnets: the task gets a public IP and needs no NAT gateway.
data "aws_vpc" "default" {
  default = true
}

data "aws_subnets" "public" {
  filter {
    name   = "vpc-id"
    values = [data.aws_vpc.default.id]
  }
  filter {
    name   = "default-for-az"
    values = ["true"]
  }
}

resource "aws_security_group" "relay" {
  name_prefix = "${var.name}-relay-"
  description = "agentcore-relay relay task: outbound HTTPS only (Discord gateway, AWS APIs), nothing inbound."
  vpc_id      = data.aws_vpc.default.id
  tags        = local.tags

  egress {
    description = "HTTPS and WSS to Discord and AWS"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

module "relay" {
  source = "../../modules/relay"

  name               = "${var.name}-relay"
  subnet_ids         = data.aws_subnets.public.ids
  security_group_ids = [aws_security_group.relay.id]
  use_fargate_spot   = var.relay_use_fargate_spot
  image_tag          = var.relay_image_tag
  force_destroy      = var.relay_force_destroy

  discord = module.discord

  tags = local.tags
}
