output "telegram_webhook_url" {
  description = "URL Telegram delivers the bot's updates to (already registered)."
  value       = module.telegram.webhook_url
}

output "slack_app_manifest" {
  description = "Manifest of the Slack app, with the events URL: paste it at api.slack.com/apps, your app, App Manifest."
  value       = module.slack.app_manifest
}

output "discord_interactions_endpoint_url" {
  description = "Interactions Endpoint URL of the Discord application (already registered)."
  value       = module.discord.webhook_url
}

output "relay_ecr_repository_url" {
  description = "ECR repository to push the relay image to: see README.md, step 3."
  value       = module.relay.ecr_repository_url
}

output "relay_service_name" {
  description = "ECS service (and cluster) of the relay, for `aws ecs update-service --force-new-deployment`."
  value       = module.relay.service_name
}

output "relay_log_group_name" {
  description = "Log group of the relay: `aws logs tail <name> --follow` shows the gateway connection."
  value       = module.relay.log_group_name
}

output "dlq_urls" {
  description = "Dead-letter queue of each channel: messages that could not be answered."
  value = {
    telegram = module.telegram.dlq_url
    slack    = module.slack.dlq_url
    discord  = module.discord.dlq_url
  }
}
