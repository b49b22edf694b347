# A Telegram bot for an agent on Amazon Bedrock AgentCore Runtime: the smallest complete setup.
# Walkthrough: README.md in this folder.

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
  # The region of your AgentCore runtime: the worker invokes it from the same region.
  region = var.region
}

module "telegram" {
  source = "../../modules/telegram"

  name              = var.name
  agent_runtime_arn = var.agent_runtime_arn
  bot_token         = var.telegram_bot_token
  allowed_users     = var.allowed_users

  tags = {
    Project = "agentcore-relay"
  }
}
