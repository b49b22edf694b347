# agentcore-relay as a Terraform module: the channel modules behind enable_<channel> switches.
#
#   module "relay" {
#     source = "github.com/<owner>/agentcore-relay?ref=v0.1.0"
#
#     agent_runtime_arn      = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234"
#     enable_telegram        = true
#     telegram_bot_token     = var.telegram_bot_token
#     telegram_allowed_users = ["123456789"]
#   }
#
# Hand-written (not generated). Shared settings apply to every enabled channel; null means the channel module's
# default (its inputs are non-nullable, so null falls back to their defaults). Each channel is named
# "<name>-<channel>". No provider block: configure the providers in the calling configuration.

terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100, < 7.0"
    }
  }
}

# ── Shared ───────────────────────────────────────────────────────────────────────────────────────────────────

variable "name" {
  description = "Prefix of every resource name: each channel is \"<name>-<channel>\" (\"<name>-whatsapp-personal\" the longest), the relay \"<name>-relay\". 1-38 lowercase letters, digits and single hyphens, starting and ending with a letter or digit: what every derived name needs, the relay's S3 bucket and ECR repository the strictest. IAM role names are unique in the whole account and the relay's bucket \"<name>-relay-state-<account id>\" in all of S3; the other names per account and region. Use a name once per account."
  type        = string
  default     = "agentcore-relay"
  nullable    = false

  validation {
    condition     = length(var.name) <= 38 && can(regex("^[a-z0-9]+(-[a-z0-9]+)*$", var.name))
    error_message = "name must be 1-38 lowercase letters, digits and single hyphens, starting and ending with a letter or digit."
  }
}

variable "agent_runtime_arn" {
  description = "ARN of the Amazon Bedrock AgentCore Runtime every enabled channel invokes. Required when a channel is enabled."
  type        = string
  default     = null
}

variable "agent_qualifier" {
  description = "Endpoint of the runtime to invoke; null means DEFAULT."
  type        = string
  default     = null
}

variable "enable_agent_user_id" {
  description = "Controls whether the workers pass the platform user as runtimeUserId (adds bedrock-agentcore:InvokeAgentRuntimeForUser); null means false."
  type        = bool
  default     = null
}

variable "worker_timeout_seconds" {
  description = "Timeout of each worker function, in seconds (1-900); null means the channel module's default (300)."
  type        = number
  default     = null
}

variable "worker_memory_mb" {
  description = "Memory of each worker function, in MB; null means the channel module's default (512)."
  type        = number
  default     = null
}

variable "ingress_memory_mb" {
  description = "Memory of each ingress function, in MB; null means the channel module's default (256)."
  type        = number
  default     = null
}

variable "queue_visibility_timeout_seconds" {
  description = "Visibility timeout of each main queue, in seconds; null means 6 x worker_timeout_seconds."
  type        = number
  default     = null
}

variable "max_receive_count" {
  description = "Attempts per message before it goes to the dead-letter queue; null means the channel module's default (5)."
  type        = number
  default     = null
}

variable "batch_size" {
  description = "Messages per worker invocation (1-10); null means the channel module's default (1)."
  type        = number
  default     = null
}

variable "max_concurrency" {
  description = "Most concurrent worker invocations per channel (2-1000); null means the channel module's default (10)."
  type        = number
  default     = null
}

variable "log_level" {
  description = "Log level of the functions: debug, info, warn or error; null means info."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the functions' logs; null means the channel module's default (14)."
  type        = number
  default     = null
}

variable "ingress_reserved_concurrency" {
  description = "Concurrent executions reserved for (and capping) each ingress function, so a webhook flood cannot take the concurrency the workers share; null leaves them unreserved (needed on new accounts whose concurrency limit is 10)."
  type        = number
  default     = 10
}

variable "api_throttling_rate_limit" {
  description = "Requests per second each created HTTP API lets through (more get 429, which the platforms retry); null means the channel module's default (50)."
  type        = number
  default     = null
}

variable "api_throttling_burst_limit" {
  description = "Requests each created HTTP API lets through in a burst above the rate; null means the channel module's default (100)."
  type        = number
  default     = null
}

variable "http_api_id" {
  description = "Id of an existing HTTP API (with an auto-deployed $default stage) to add the channel routes to; null creates one per channel."
  type        = string
  default     = null
}

variable "create_dlq_alarm" {
  description = "Controls whether each channel gets a CloudWatch alarm on its dead-letter queue; null means true."
  type        = bool
  default     = null
}

variable "alarm_sns_topic_arn" {
  description = "ARN of an SNS topic the DLQ alarms notify; null for no notification."
  type        = string
  default     = null
}

variable "secret_recovery_window_in_days" {
  description = "Days Secrets Manager keeps a created secret after destroy (0 or 7-30); null means 30."
  type        = number
  default     = null
}

variable "iam_role_path" {
  description = "Path of every IAM role the modules create (e.g. /service-roles/); null means /."
  type        = string
  default     = null
}

variable "iam_role_permissions_boundary" {
  description = "ARN of the managed policy set as the permissions boundary of every IAM role the modules create; null for none."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource that supports them."
  type        = map(string)
  default     = {}
  nullable    = false
}

# ── Telegram ─────────────────────────────────────────────────────────────────────────────────────────────────

variable "enable_telegram" {
  description = "Controls whether the Telegram channel (modules/telegram) is deployed."
  type        = bool
  default     = false
  nullable    = false
}

variable "telegram_bot_token" {
  description = "Telegram bot token from @BotFather. Required with enable_telegram unless telegram_secret_arn is given."
  type        = string
  default     = null
  sensitive   = true
}

variable "telegram_secret_arn" {
  description = "ARN of an existing secret with the JSON keys bot_token and webhook_secret; null lets the module create it."
  type        = string
  default     = null
}

variable "telegram_allowed_users" {
  description = "Telegram user ids allowed to talk to the agent, or [\"*\"] for everyone. Must not be empty with enable_telegram."
  type        = list(string)
  default     = []
  nullable    = false
}

module "telegram" {
  source = "./modules/telegram"
  count  = var.enable_telegram ? 1 : 0

  name                             = "${var.name}-telegram"
  agent_runtime_arn                = var.agent_runtime_arn
  agent_qualifier                  = var.agent_qualifier
  allowed_users                    = var.telegram_allowed_users
  bot_token                        = var.telegram_bot_token
  secret_arn                       = var.telegram_secret_arn
  enable_agent_user_id             = var.enable_agent_user_id
  worker_timeout_seconds           = var.worker_timeout_seconds
  worker_memory_mb                 = var.worker_memory_mb
  ingress_memory_mb                = var.ingress_memory_mb
  queue_visibility_timeout_seconds = var.queue_visibility_timeout_seconds
  max_receive_count                = var.max_receive_count
  batch_size                       = var.batch_size
  max_concurrency                  = var.max_concurrency
  log_level                        = var.log_level
  log_retention_days               = var.log_retention_days
  ingress_reserved_concurrency     = var.ingress_reserved_concurrency
  http_api_id                      = var.http_api_id
  api_throttling_rate_limit        = var.api_throttling_rate_limit
  api_throttling_burst_limit       = var.api_throttling_burst_limit
  create_dlq_alarm                 = var.create_dlq_alarm
  alarm_sns_topic_arn              = var.alarm_sns_topic_arn
  secret_recovery_window_in_days   = var.secret_recovery_window_in_days
  iam_role_path                    = var.iam_role_path
  iam_role_permissions_boundary    = var.iam_role_permissions_boundary
  tags                             = var.tags
}

output "telegram_webhook_url" {
  description = "URL Telegram delivers updates to (registered during apply); null when Telegram is disabled."
  value       = one(module.telegram[*].webhook_url)
}

output "telegram_queue_url" {
  description = "URL of the Telegram FIFO queue; null when Telegram is disabled."
  value       = one(module.telegram[*].queue_url)
}

output "telegram_queue_arn" {
  description = "ARN of the Telegram FIFO queue; null when Telegram is disabled."
  value       = one(module.telegram[*].queue_arn)
}

output "telegram_dlq_url" {
  description = "URL of the Telegram dead-letter queue; null when Telegram is disabled."
  value       = one(module.telegram[*].dlq_url)
}

output "telegram_ingress_function_name" {
  description = "Name of the Telegram ingress function; null when Telegram is disabled."
  value       = one(module.telegram[*].ingress_function_name)
}

output "telegram_worker_function_name" {
  description = "Name of the Telegram worker function; null when Telegram is disabled."
  value       = one(module.telegram[*].worker_function_name)
}

output "telegram_secret_arn" {
  description = "ARN of the secret with the Telegram credentials; null when Telegram is disabled."
  value       = one(module.telegram[*].secret_arn)
}

output "telegram_http_api_id" {
  description = "Id of the HTTP API serving the Telegram webhook; null when Telegram is disabled."
  value       = one(module.telegram[*].http_api_id)
}

# ── Slack ────────────────────────────────────────────────────────────────────────────────────────────────────

variable "enable_slack" {
  description = "Controls whether the Slack channel (modules/slack: Events API, answers in threads) is deployed."
  type        = bool
  default     = false
  nullable    = false
}

variable "slack_bot_token" {
  description = "Bot User OAuth Token of the Slack app (xoxb-...). Required with enable_slack unless slack_secret_arn is given."
  type        = string
  default     = null
  sensitive   = true
}

variable "slack_signing_secret" {
  description = "Signing Secret of the Slack app (Basic Information). Required with enable_slack unless slack_secret_arn is given."
  type        = string
  default     = null
  sensitive   = true
}

variable "slack_secret_arn" {
  description = "ARN of an existing secret with the JSON keys bot_token and signing_secret; null lets the module create it."
  type        = string
  default     = null
}

variable "slack_allowed_users" {
  description = "Slack member ids (U0123ABCD) allowed to talk to the agent, or [\"*\"] for everyone. Must not be empty with enable_slack."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "slack_app_name" {
  description = "Name of the Slack app in slack_app_manifest (1-35 characters); null means \"<name>-slack\"."
  type        = string
  default     = null
}

variable "slack_enable_thread_replies" {
  description = "Controls whether replies in a thread the bot answered in reach the agent without a mention; null means true."
  type        = bool
  default     = null
}

variable "slack_enable_assistant_view" {
  description = "Controls whether slack_app_manifest turns on Slack's agent view (assistant threads); null means false."
  type        = bool
  default     = null
}

module "slack" {
  source = "./modules/slack"
  count  = var.enable_slack ? 1 : 0

  name                             = "${var.name}-slack"
  agent_runtime_arn                = var.agent_runtime_arn
  agent_qualifier                  = var.agent_qualifier
  allowed_users                    = var.slack_allowed_users
  bot_token                        = var.slack_bot_token
  signing_secret                   = var.slack_signing_secret
  secret_arn                       = var.slack_secret_arn
  app_name                         = var.slack_app_name
  enable_thread_replies            = var.slack_enable_thread_replies
  enable_assistant_view            = var.slack_enable_assistant_view
  enable_agent_user_id             = var.enable_agent_user_id
  worker_timeout_seconds           = var.worker_timeout_seconds
  worker_memory_mb                 = var.worker_memory_mb
  ingress_memory_mb                = var.ingress_memory_mb
  queue_visibility_timeout_seconds = var.queue_visibility_timeout_seconds
  max_receive_count                = var.max_receive_count
  batch_size                       = var.batch_size
  max_concurrency                  = var.max_concurrency
  log_level                        = var.log_level
  log_retention_days               = var.log_retention_days
  ingress_reserved_concurrency     = var.ingress_reserved_concurrency
  http_api_id                      = var.http_api_id
  api_throttling_rate_limit        = var.api_throttling_rate_limit
  api_throttling_burst_limit       = var.api_throttling_burst_limit
  create_dlq_alarm                 = var.create_dlq_alarm
  alarm_sns_topic_arn              = var.alarm_sns_topic_arn
  secret_recovery_window_in_days   = var.secret_recovery_window_in_days
  iam_role_path                    = var.iam_role_path
  iam_role_permissions_boundary    = var.iam_role_permissions_boundary
  tags                             = var.tags
}

output "slack_events_url" {
  description = "Events API request URL of the Slack app (it is in slack_app_manifest); null when Slack is disabled."
  value       = one(module.slack[*].webhook_url)
}

output "slack_app_manifest" {
  description = "Slack app manifest (JSON) to paste at api.slack.com/apps, your app, App Manifest; null when Slack is disabled."
  value       = one(module.slack[*].app_manifest)
}

output "slack_queue_url" {
  description = "URL of the Slack FIFO queue; null when Slack is disabled."
  value       = one(module.slack[*].queue_url)
}

output "slack_queue_arn" {
  description = "ARN of the Slack FIFO queue; null when Slack is disabled."
  value       = one(module.slack[*].queue_arn)
}

output "slack_dlq_url" {
  description = "URL of the Slack dead-letter queue; null when Slack is disabled."
  value       = one(module.slack[*].dlq_url)
}

output "slack_ingress_function_name" {
  description = "Name of the Slack ingress function; null when Slack is disabled."
  value       = one(module.slack[*].ingress_function_name)
}

output "slack_worker_function_name" {
  description = "Name of the Slack worker function; null when Slack is disabled."
  value       = one(module.slack[*].worker_function_name)
}

output "slack_secret_arn" {
  description = "ARN of the secret with the Slack credentials; null when Slack is disabled."
  value       = one(module.slack[*].secret_arn)
}

output "slack_http_api_id" {
  description = "Id of the HTTP API serving the Slack events URL; null when Slack is disabled."
  value       = one(module.slack[*].http_api_id)
}

# ── Discord ──────────────────────────────────────────────────────────────────────────────────────────────────

variable "enable_discord" {
  description = "Controls whether the Discord channel (modules/discord: slash commands /ask and /new) is deployed."
  type        = bool
  default     = false
  nullable    = false
}

variable "discord_application_id" {
  description = "Discord Application ID (Developer Portal, General Information). Required with enable_discord unless discord_secret_arn is given."
  type        = string
  default     = null
}

variable "discord_public_key" {
  description = "Discord Public Key, 64 hex digits (not a secret). Given, the ingress verifies requests without a Secrets Manager call. Required with enable_discord unless discord_secret_arn is given."
  type        = string
  default     = null
}

variable "discord_bot_token" {
  description = "Discord bot token (Developer Portal, Bot). Required with enable_discord unless discord_secret_arn is given."
  type        = string
  default     = null
  sensitive   = true
}

variable "discord_secret_arn" {
  description = "ARN of an existing secret with the JSON keys application_id, public_key and bot_token; null lets the module create it."
  type        = string
  default     = null
}

variable "discord_allowed_users" {
  description = "Discord user ids allowed to talk to the agent, or [\"*\"] for everyone. Must not be empty with enable_discord."
  type        = list(string)
  default     = []
  nullable    = false
}

module "discord" {
  source = "./modules/discord"
  count  = var.enable_discord ? 1 : 0

  name                             = "${var.name}-discord"
  agent_runtime_arn                = var.agent_runtime_arn
  agent_qualifier                  = var.agent_qualifier
  allowed_users                    = var.discord_allowed_users
  application_id                   = var.discord_application_id
  public_key                       = var.discord_public_key
  bot_token                        = var.discord_bot_token
  secret_arn                       = var.discord_secret_arn
  enable_agent_user_id             = var.enable_agent_user_id
  worker_timeout_seconds           = var.worker_timeout_seconds
  worker_memory_mb                 = var.worker_memory_mb
  ingress_memory_mb                = var.ingress_memory_mb
  queue_visibility_timeout_seconds = var.queue_visibility_timeout_seconds
  max_receive_count                = var.max_receive_count
  batch_size                       = var.batch_size
  max_concurrency                  = var.max_concurrency
  log_level                        = var.log_level
  log_retention_days               = var.log_retention_days
  ingress_reserved_concurrency     = var.ingress_reserved_concurrency
  http_api_id                      = var.http_api_id
  api_throttling_rate_limit        = var.api_throttling_rate_limit
  api_throttling_burst_limit       = var.api_throttling_burst_limit
  create_dlq_alarm                 = var.create_dlq_alarm
  alarm_sns_topic_arn              = var.alarm_sns_topic_arn
  secret_recovery_window_in_days   = var.secret_recovery_window_in_days
  iam_role_path                    = var.iam_role_path
  iam_role_permissions_boundary    = var.iam_role_permissions_boundary
  tags                             = var.tags
}

output "discord_interactions_endpoint_url" {
  description = "Interactions Endpoint URL of the Discord application (registered during apply); null when Discord is disabled."
  value       = one(module.discord[*].webhook_url)
}

output "discord_queue_url" {
  description = "URL of the Discord FIFO queue (the always-on relay enqueues gateway messages here); null when Discord is disabled."
  value       = one(module.discord[*].queue_url)
}

output "discord_queue_arn" {
  description = "ARN of the Discord FIFO queue; null when Discord is disabled."
  value       = one(module.discord[*].queue_arn)
}

output "discord_dlq_url" {
  description = "URL of the Discord dead-letter queue; null when Discord is disabled."
  value       = one(module.discord[*].dlq_url)
}

output "discord_ingress_function_name" {
  description = "Name of the Discord ingress function; null when Discord is disabled."
  value       = one(module.discord[*].ingress_function_name)
}

output "discord_worker_function_name" {
  description = "Name of the Discord worker function; null when Discord is disabled."
  value       = one(module.discord[*].worker_function_name)
}

output "discord_secret_arn" {
  description = "ARN of the secret with the Discord credentials; null when Discord is disabled."
  value       = one(module.discord[*].secret_arn)
}

output "discord_http_api_id" {
  description = "Id of the HTTP API serving the Discord interactions endpoint; null when Discord is disabled."
  value       = one(module.discord[*].http_api_id)
}

# ── WhatsApp (Cloud API) ─────────────────────────────────────────────────────────────────────────────────────

variable "enable_whatsapp" {
  description = "Controls whether the WhatsApp Cloud API channel (modules/whatsapp) is deployed."
  type        = bool
  default     = false
  nullable    = false
}

variable "whatsapp_access_token" {
  description = "Access token of a system user with whatsapp_business_messaging (EAA...). Required with enable_whatsapp unless whatsapp_secret_arn is given."
  type        = string
  default     = null
  sensitive   = true
}

variable "whatsapp_app_secret" {
  description = "App secret of the Meta app (App settings, Basic): verifies X-Hub-Signature-256. Required with enable_whatsapp unless whatsapp_secret_arn is given."
  type        = string
  default     = null
  sensitive   = true
}

variable "whatsapp_verify_token" {
  description = "Verify token for the webhook handshake; null generates one (output whatsapp_verify_token)."
  type        = string
  default     = null
  sensitive   = true
}

variable "whatsapp_phone_number_id" {
  description = "Phone number ID of the business number that answers (WhatsApp, API Setup). Required with enable_whatsapp unless whatsapp_secret_arn is given."
  type        = string
  default     = null
}

variable "whatsapp_app_id" {
  description = "Id of the Meta app: when set, apply registers the webhook (callback URL, verify token, field messages) by API; null leaves it to the app dashboard."
  type        = string
  default     = null
}

variable "whatsapp_secret_arn" {
  description = "ARN of an existing secret with the JSON keys access_token, app_secret, verify_token and phone_number_id; null lets the module create it."
  type        = string
  default     = null
}

variable "whatsapp_allowed_users" {
  description = "WhatsApp numbers (digits with country code, no +) or BSUIDs allowed to talk to the agent, or [\"*\"] for everyone. Must not be empty with enable_whatsapp."
  type        = list(string)
  default     = []
  nullable    = false
}

module "whatsapp" {
  source = "./modules/whatsapp"
  count  = var.enable_whatsapp ? 1 : 0

  name                             = "${var.name}-whatsapp"
  agent_runtime_arn                = var.agent_runtime_arn
  agent_qualifier                  = var.agent_qualifier
  allowed_users                    = var.whatsapp_allowed_users
  access_token                     = var.whatsapp_access_token
  app_secret                       = var.whatsapp_app_secret
  verify_token                     = var.whatsapp_verify_token
  phone_number_id                  = var.whatsapp_phone_number_id
  app_id                           = var.whatsapp_app_id
  secret_arn                       = var.whatsapp_secret_arn
  enable_agent_user_id             = var.enable_agent_user_id
  worker_timeout_seconds           = var.worker_timeout_seconds
  worker_memory_mb                 = var.worker_memory_mb
  ingress_memory_mb                = var.ingress_memory_mb
  queue_visibility_timeout_seconds = var.queue_visibility_timeout_seconds
  max_receive_count                = var.max_receive_count
  batch_size                       = var.batch_size
  max_concurrency                  = var.max_concurrency
  log_level                        = var.log_level
  log_retention_days               = var.log_retention_days
  ingress_reserved_concurrency     = var.ingress_reserved_concurrency
  http_api_id                      = var.http_api_id
  api_throttling_rate_limit        = var.api_throttling_rate_limit
  api_throttling_burst_limit       = var.api_throttling_burst_limit
  create_dlq_alarm                 = var.create_dlq_alarm
  alarm_sns_topic_arn              = var.alarm_sns_topic_arn
  secret_recovery_window_in_days   = var.secret_recovery_window_in_days
  iam_role_path                    = var.iam_role_path
  iam_role_permissions_boundary    = var.iam_role_permissions_boundary
  tags                             = var.tags
}

output "whatsapp_webhook_url" {
  description = "Callback URL for the Meta app dashboard (WhatsApp, Configuration, Webhook); null when WhatsApp is disabled."
  value       = one(module.whatsapp[*].webhook_url)
}

output "whatsapp_verify_token" {
  description = "Verify token for the Meta app dashboard (terraform output -raw whatsapp_verify_token); null when WhatsApp is disabled or with whatsapp_secret_arn."
  value       = one(module.whatsapp[*].verify_token)
  sensitive   = true
}

output "whatsapp_queue_url" {
  description = "URL of the WhatsApp FIFO queue; null when WhatsApp is disabled."
  value       = one(module.whatsapp[*].queue_url)
}

output "whatsapp_queue_arn" {
  description = "ARN of the WhatsApp FIFO queue; null when WhatsApp is disabled."
  value       = one(module.whatsapp[*].queue_arn)
}

output "whatsapp_dlq_url" {
  description = "URL of the WhatsApp dead-letter queue; null when WhatsApp is disabled."
  value       = one(module.whatsapp[*].dlq_url)
}

output "whatsapp_ingress_function_name" {
  description = "Name of the WhatsApp ingress function; null when WhatsApp is disabled."
  value       = one(module.whatsapp[*].ingress_function_name)
}

output "whatsapp_worker_function_name" {
  description = "Name of the WhatsApp worker function; null when WhatsApp is disabled."
  value       = one(module.whatsapp[*].worker_function_name)
}

output "whatsapp_secret_arn" {
  description = "ARN of the secret with the WhatsApp credentials; null when WhatsApp is disabled."
  value       = one(module.whatsapp[*].secret_arn)
}

output "whatsapp_http_api_id" {
  description = "Id of the HTTP API serving the WhatsApp webhook; null when WhatsApp is disabled."
  value       = one(module.whatsapp[*].http_api_id)
}

# ── WhatsApp personal (worker; the relay is its ingress) ─────────────────────────────────────────────────────

variable "enable_whatsapp_personal" {
  description = "Controls whether WhatsApp personal (modules/whatsapp-personal: your own account as a linked device) is deployed. Needs enable_relay, which holds the session."
  type        = bool
  default     = false
  nullable    = false
}

variable "whatsapp_personal_allowed_users" {
  description = "WhatsApp JIDs allowed to talk to the agent (\"491701234567@s.whatsapp.net\"), or [\"*\"] for everyone. Must not be empty with enable_whatsapp_personal."
  type        = list(string)
  default     = []
  nullable    = false
}

module "whatsapp_personal" {
  source = "./modules/whatsapp-personal"
  count  = var.enable_whatsapp_personal ? 1 : 0

  name                             = "${var.name}-whatsapp-personal"
  agent_runtime_arn                = var.agent_runtime_arn
  agent_qualifier                  = var.agent_qualifier
  allowed_users                    = var.whatsapp_personal_allowed_users
  enable_agent_user_id             = var.enable_agent_user_id
  worker_timeout_seconds           = var.worker_timeout_seconds
  worker_memory_mb                 = var.worker_memory_mb
  queue_visibility_timeout_seconds = var.queue_visibility_timeout_seconds
  max_receive_count                = var.max_receive_count
  batch_size                       = var.batch_size
  max_concurrency                  = var.max_concurrency
  log_level                        = var.log_level
  log_retention_days               = var.log_retention_days
  create_dlq_alarm                 = var.create_dlq_alarm
  alarm_sns_topic_arn              = var.alarm_sns_topic_arn
  iam_role_path                    = var.iam_role_path
  iam_role_permissions_boundary    = var.iam_role_permissions_boundary
  tags                             = var.tags
}

output "whatsapp_personal_queue_url" {
  description = "URL of the WhatsApp-personal inbound FIFO queue; null when it is disabled."
  value       = one(module.whatsapp_personal[*].queue_url)
}

output "whatsapp_personal_dlq_url" {
  description = "URL of the WhatsApp-personal dead-letter queue; null when it is disabled."
  value       = one(module.whatsapp_personal[*].dlq_url)
}

output "whatsapp_personal_outbound_dlq_url" {
  description = "URL of the dead-letter queue of replies the relay could not send; null when WhatsApp personal is disabled."
  value       = one(module.whatsapp_personal[*].outbound_dlq_url)
}

# ── Relay (always on: Discord chat messages, WhatsApp personal) ──────────────────────────────────────────────

variable "enable_relay" {
  description = "Controls whether the always-on relay (modules/relay, one ECS Fargate task, about $7/month + $3.60 for its public IP) is deployed: Discord chat messages (with enable_discord) and WhatsApp personal (with enable_whatsapp_personal)."
  type        = bool
  default     = false
  nullable    = false
}

variable "relay_subnet_ids" {
  description = "Subnets of the relay task: public subnets with relay_assign_public_ip (the default), else private ones with a NAT gateway. Required with enable_relay."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "relay_security_group_ids" {
  description = "Security groups of the relay task (egress to 443 is all it needs). Required with enable_relay."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "relay_assign_public_ip" {
  description = "Controls whether the relay task gets a public IP (no NAT gateway needed); null means true."
  type        = bool
  default     = null
}

variable "relay_use_fargate_spot" {
  description = "Controls whether the relay runs on Fargate Spot (cheaper, interrupted now and then); null means false."
  type        = bool
  default     = null
}

variable "relay_image_uri" {
  description = "Image of the relay, pinned (<repository>@sha256:<digest> or an immutable tag); null means the created ECR repository at relay_image_tag."
  type        = string
  default     = null
}

variable "relay_image_tag" {
  description = "Tag of the relay image pushed to the created ECR repository (immutable: one per build); null (before the first push) deploys no task yet."
  type        = string
  default     = null
}

variable "relay_force_destroy" {
  description = "Controls whether terraform destroy also deletes the relay's images and its state bucket with the WhatsApp session in it; null means false (destroy stops at them). Apply it before destroying."
  type        = bool
  default     = null
}

module "relay" {
  source = "./modules/relay"
  count  = var.enable_relay ? 1 : 0

  name                          = "${var.name}-relay"
  subnet_ids                    = var.relay_subnet_ids
  security_group_ids            = var.relay_security_group_ids
  assign_public_ip              = var.relay_assign_public_ip
  use_fargate_spot              = var.relay_use_fargate_spot
  image_uri                     = var.relay_image_uri
  image_tag                     = var.relay_image_tag
  force_destroy                 = var.relay_force_destroy
  log_level                     = var.log_level
  log_retention_days            = var.log_retention_days
  alarm_sns_topic_arn           = var.alarm_sns_topic_arn
  iam_role_path                 = var.iam_role_path
  iam_role_permissions_boundary = var.iam_role_permissions_boundary
  tags                          = var.tags

  discord           = var.enable_discord ? module.discord[0] : null
  whatsapp_personal = var.enable_whatsapp_personal ? module.whatsapp_personal[0] : null
}

check "relay_has_work" {
  assert {
    condition     = !var.enable_whatsapp_personal || var.enable_relay
    error_message = "enable_whatsapp_personal deploys the worker only: set enable_relay too, or nothing feeds its queue."
  }
}

output "relay_ecr_repository_url" {
  description = "ECR repository to push the relay image to (relay/Dockerfile); null when the relay is disabled."
  value       = one(module.relay[*].ecr_repository_url)
}

output "relay_service_name" {
  description = "Name of the relay's ECS service; null when the relay is disabled or has no image yet (relay_image_tag)."
  value       = one(module.relay[*].service_name)
}

output "relay_log_group_name" {
  description = "Log group of the relay (connection states, the WhatsApp pairing QR code); null when the relay is disabled."
  value       = one(module.relay[*].log_group_name)
}

output "relay_pairing_qr_s3_uri" {
  description = "Where the WhatsApp pairing QR code appears until the relay is linked; null without WhatsApp personal."
  value       = one(module.relay[*].pairing_qr_s3_uri)
}

# ── Whole modules: every output of each enabled module (role names and ARNs to attach policies to, log
# groups, function ARNs, the DLQ and ledger ARNs), null when it is disabled ──────────────────────────────

output "telegram" {
  description = "Every output of modules/telegram (README there); null when Telegram is disabled."
  value       = one(module.telegram[*])
}

output "slack" {
  description = "Every output of modules/slack (README there); null when Slack is disabled."
  value       = one(module.slack[*])
}

output "discord" {
  description = "Every output of modules/discord (README there); null when Discord is disabled."
  value       = one(module.discord[*])
}

output "whatsapp" {
  description = "Every output of modules/whatsapp (README there; the verify token is why it is sensitive); null when WhatsApp is disabled."
  value       = one(module.whatsapp[*])
  sensitive   = true
}

output "whatsapp_personal" {
  description = "Every output of modules/whatsapp-personal (README there); null when WhatsApp personal is disabled."
  value       = one(module.whatsapp_personal[*])
}

output "relay" {
  description = "Every output of modules/relay (README there); null when the relay is disabled."
  value       = one(module.relay[*])
}
