output "telegram_webhook_url" {
  description = "URL Telegram delivers the bot's updates to (already registered)."
  value       = module.telegram.webhook_url
}

output "discord_interactions_endpoint_url" {
  description = "Interactions Endpoint URL of the Discord application (already registered)."
  value       = module.discord.webhook_url
}

output "dlq_urls" {
  description = "Dead-letter queue of each channel: messages that could not be answered."
  value = {
    telegram = module.telegram.dlq_url
    discord  = module.discord.dlq_url
  }
}
