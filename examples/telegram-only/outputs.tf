output "webhook_url" {
  description = "URL Telegram delivers the bot's updates to (already registered)."
  value       = module.telegram.webhook_url
}

output "worker_function_name" {
  description = "Worker function: its log group /aws/lambda/<name> shows each answer."
  value       = module.telegram.worker_function_name
}

output "dlq_url" {
  description = "Dead-letter queue: messages the bot could not answer."
  value       = module.telegram.dlq_url
}
