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

output "whatsapp_webhook_url" {
  description = "Callback URL to enter in the Meta app dashboard (WhatsApp, Configuration, Webhook)."
  value       = module.whatsapp.webhook_url
}

output "whatsapp_verify_token" {
  description = "Verify token to enter next to the callback URL: terraform output -raw whatsapp_verify_token."
  value       = module.whatsapp.verify_token
  sensitive   = true
}

output "dlq_urls" {
  description = "Dead-letter queue of each channel: messages that could not be answered."
  value = {
    telegram          = module.telegram.dlq_url
    slack             = module.slack.dlq_url
    discord           = module.discord.dlq_url
    whatsapp          = module.whatsapp.dlq_url
    whatsapp_personal = module.whatsapp_personal.dlq_url
  }
}

output "relay_ecr_repository_url" {
  description = "ECR repository to push the relay image to (relay/Dockerfile, arm64): see README.md."
  value       = module.relay.ecr_repository_url
}

output "relay_log_group_name" {
  description = "Log group of the relay: connection states and the WhatsApp pairing QR code."
  value       = module.relay.log_group_name
}

output "relay_pairing_qr_s3_uri" {
  description = "Where the WhatsApp pairing QR code appears until the relay is linked: aws s3 cp <uri> qr.png."
  value       = module.relay.pairing_qr_s3_uri
}
