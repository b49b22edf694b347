variable "region" {
  description = "AWS region to deploy to: the region of the AgentCore runtime."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Prefix of every resource name; each part adds its own suffix (\"<name>-discord\", \"<name>-relay\"). 1-38 lowercase letters, digits and single hyphens: the relay's S3 bucket and ECR repository take no other characters."
  type        = string
  default     = "agent-chat"

  validation {
    condition     = length(var.name) <= 38 && can(regex("^[a-z0-9]+(-[a-z0-9]+)*$", var.name))
    error_message = "name must be 1-38 lowercase letters, digits and single hyphens, starting and ending with a letter or digit."
  }
}

variable "agent_runtime_arn" {
  description = "ARN of the AgentCore runtime that answers on every channel, arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>."
  type        = string
}

variable "session_scope" {
  description = "What one agent session covers on every channel: \"conversation\" (one per chat or thread, shared by a group's members) or \"user\" (one per member in each chat; /new then ends only the sender's)."
  type        = string
  default     = "conversation"

  validation {
    condition     = contains(["conversation", "user"], var.session_scope)
    error_message = "session_scope must be conversation or user."
  }
}

# ── Telegram ──

variable "telegram_bot_token" {
  description = "Token of the Telegram bot, from @BotFather (123456789:AA...)."
  type        = string
  sensitive   = true
}

variable "telegram_allowed_users" {
  description = "Telegram user ids allowed to talk to the agent, or [\"*\"] for everyone."
  type        = list(string)
}

# ── Slack ──

variable "slack_bot_token" {
  description = "Bot User OAuth Token of the Slack app (xoxb-...), shown after installing the app to the workspace."
  type        = string
  sensitive   = true
}

variable "slack_signing_secret" {
  description = "Signing Secret of the Slack app (Basic Information, App Credentials)."
  type        = string
  sensitive   = true
}

variable "slack_allowed_users" {
  description = "Slack member ids (U0123ABCD) allowed to talk to the agent, or [\"*\"] for everyone."
  type        = list(string)
}

# ── Discord ──

variable "discord_application_id" {
  description = "Discord Application ID (Developer Portal, General Information)."
  type        = string
}

variable "discord_public_key" {
  description = "Discord Public Key (Developer Portal, General Information), 64 hex digits; not a secret."
  type        = string
}

variable "discord_bot_token" {
  description = "Discord bot token (Developer Portal, Bot → Reset Token); the relay reads it from the Discord module's secret."
  type        = string
  sensitive   = true
}

variable "discord_allowed_users" {
  description = "Discord user ids allowed to talk to the agent, or [\"*\"] for everyone."
  type        = list(string)
}

# ── Relay ──

variable "relay_use_fargate_spot" {
  description = "Controls whether the relay runs on Fargate Spot: about 70% cheaper, but AWS may stop it now and then (ECS starts another; Discord messages sent meanwhile are missed)."
  type        = bool
  default     = false
}

variable "relay_image_tag" {
  description = "Tag of the relay image you pushed to the relay's ECR repository (README, step 3); null until then: no relay task runs yet."
  type        = string
  default     = null
}

variable "relay_force_destroy" {
  description = "Controls whether terraform destroy also deletes the relay's images and its state bucket (the WhatsApp session with it). Set true and apply before destroying."
  type        = bool
  default     = false
}
