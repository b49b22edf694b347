# Every chat channel for one agent on Amazon Bedrock AgentCore Runtime: one module call per channel, each
# with its own queue, functions and HTTP API. Walkthrough: README.md in this folder.

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

module "whatsapp" {
  source = "../../modules/whatsapp"

  name              = "${var.name}-whatsapp"
  agent_runtime_arn = var.agent_runtime_arn
  access_token      = var.whatsapp_access_token
  app_secret        = var.whatsapp_app_secret
  phone_number_id   = var.whatsapp_phone_number_id
  allowed_users     = var.whatsapp_allowed_users
  session_scope     = var.session_scope
  tags              = local.tags
}

# WhatsApp personal: your own account as a linked device. The relay holds the session; this is the worker.
module "whatsapp_personal" {
  source = "../../modules/whatsapp-personal"

  name              = "${var.name}-whatsapp-personal"
  agent_runtime_arn = var.agent_runtime_arn
  allowed_users     = var.whatsapp_personal_allowed_users
  session_scope     = var.session_scope
  tags              = local.tags
}

# ── The relay (always on): Discord chat messages and the WhatsApp personal session ──────────────────────

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
  description = "agentcore-relay relay task: outbound HTTPS only (Discord, WhatsApp, AWS APIs), nothing inbound."
  vpc_id      = data.aws_vpc.default.id
  tags        = local.tags

  egress {
    description = "HTTPS and WSS to Discord, WhatsApp and AWS"
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
  image_tag          = var.relay_image_tag
  force_destroy      = var.relay_force_destroy

  # WhatsApp personal: the relay lets through only the people module.whatsapp_personal allows; in groups, an
  # @mention of your account or the trigger word addresses the bot.
  whatsapp_group_trigger = var.whatsapp_personal_group_trigger
  log_pairing_qr         = var.relay_log_pairing_qr

  discord           = module.discord
  whatsapp_personal = module.whatsapp_personal

  tags = local.tags
}
