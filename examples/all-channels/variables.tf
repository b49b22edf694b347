variable "region" {
  description = "AWS region to deploy to: the region of the AgentCore runtime."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Prefix of every resource name; each part adds its own suffix (\"<name>-whatsapp-personal\" the longest, \"<name>-relay\"). 1-38 lowercase letters, digits and single hyphens: the relay's S3 bucket and ECR repository take no other characters."
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
  description = "Discord bot token (Developer Portal, Bot → Reset Token)."
  type        = string
  sensitive   = true
}

variable "discord_allowed_users" {
  description = "Discord user ids allowed to talk to the agent, or [\"*\"] for everyone."
  type        = list(string)
}

# ── WhatsApp ──

variable "whatsapp_access_token" {
  description = "Access token for the WhatsApp Cloud API: a system user's token with whatsapp_business_messaging (EAA...)."
  type        = string
  sensitive   = true
}

variable "whatsapp_app_secret" {
  description = "App secret of the Meta app (App settings, Basic): it signs every webhook delivery."
  type        = string
  sensitive   = true
}

variable "whatsapp_phone_number_id" {
  description = "Phone number ID of the business number that answers (app dashboard, WhatsApp, API Setup)."
  type        = string
}

variable "whatsapp_allowed_users" {
  description = "WhatsApp numbers allowed to talk to the agent, digits with country code and no + (\"16505551234\"), or [\"*\"] for everyone."
  type        = list(string)
}

# ── WhatsApp personal (through the relay) ──

variable "whatsapp_personal_allowed_users" {
  description = "WhatsApp user JIDs allowed to talk to the agent through your own account (\"491701234567@s.whatsapp.net\", \"<id>@lid\"), or [\"*\"]. The relay drops everyone else unanswered."
  type        = list(string)
}

variable "whatsapp_personal_group_trigger" {
  description = "A word that, starting a WhatsApp group message (e.g. \"!ai\"), addresses the bot besides an @mention of your account; null: @mentions only."
  type        = string
  default     = null

  validation {
    condition     = var.whatsapp_personal_group_trigger == null ? true : can(regex("^\\S{1,32}$", var.whatsapp_personal_group_trigger))
    error_message = "whatsapp_personal_group_trigger must be one word: 1-32 characters without spaces, e.g. !ai."
  }
}

# ── Relay ──

variable "relay_image_tag" {
  description = "Tag of the relay image you pushed to the relay's ECR repository (README, step 3); null until then: no relay task runs yet."
  type        = string
  default     = null
}

variable "relay_log_pairing_qr" {
  description = "Controls whether the relay also prints the WhatsApp pairing QR code in its log (besides the PNG at relay_pairing_qr_s3_uri). Whoever scans it links their account: leave it off unless the log is as private as the state bucket."
  type        = bool
  default     = false
}

variable "relay_force_destroy" {
  description = "Controls whether terraform destroy also deletes the relay's images and its state bucket (the WhatsApp session with it). Set true and apply before destroying."
  type        = bool
  default     = false
}
