variable "region" {
  description = "AWS region to deploy to: the region of the AgentCore runtime."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Prefix of every resource name (1-56 letters, digits, hyphens or underscores: \"<name>-ingress\" names a Lambda function and an IAM role)."
  type        = string
  default     = "telegram-bot"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,56}$", var.name))
    error_message = "name must be 1-56 letters, digits, hyphens or underscores."
  }
}

variable "agent_runtime_arn" {
  description = "ARN of the AgentCore runtime that answers, arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>."
  type        = string
}

variable "telegram_bot_token" {
  description = "Token of the bot, from @BotFather (123456789:AA...)."
  type        = string
  sensitive   = true
}

variable "allowed_users" {
  description = "Telegram user ids allowed to talk to the agent, or [\"*\"] for everyone."
  type        = list(string)
}
