# Every chat channel for one agent on Amazon Bedrock AgentCore Runtime: one module call per channel, each
# with its own queue, functions and HTTP API. Walkthrough: README.md in this folder.

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.25"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.7"
    }
    random = {
      source  = "hashicorp/random"
      version = ">= 3.7"
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
  tags              = local.tags
}

module "slack" {
  source = "../../modules/slack"

  name              = "${var.name}-slack"
  agent_runtime_arn = var.agent_runtime_arn
  bot_token         = var.slack_bot_token
  signing_secret    = var.slack_signing_secret
  allowed_users     = var.slack_allowed_users
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
  tags              = local.tags
}
