# The example as a user runs it, planned with a mocked AWS provider.

mock_provider "aws" {
  source = "../../test/terraform/mocks"
}

variables {
  agent_runtime_arn  = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234"
  telegram_bot_token = "123456789:AAbbccddeeffgghhiijjkkllmmnnooppqq"
  allowed_users      = ["123456789"]
}

run "plan" {
  command = plan

  assert {
    condition     = output.worker_function_name == "telegram-bot-worker"
    error_message = "the bot's worker, named after the example's name"
  }
}
