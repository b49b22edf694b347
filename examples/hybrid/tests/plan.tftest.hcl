# The example as a user runs it (its terraform.tfvars.example values), planned with a mocked AWS provider.

mock_provider "aws" {
  source = "../../test/terraform/mocks"
}

variables {
  agent_runtime_arn      = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234"
  telegram_bot_token     = "123456789:AAbbccddeeffgghhiijjkkllmmnnooppqq"
  telegram_allowed_users = ["123456789"]
  slack_bot_token        = "xoxb-1234-5678-AbCdEfGhIjKl"
  slack_signing_secret   = "0123456789abcdef0123456789abcdef"
  slack_allowed_users    = ["U0123ABCD"]
  discord_application_id = "1234567890123456789"
  discord_public_key     = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
  discord_bot_token      = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.AbCdEf.abcdefghijklmnopqrstuvwxyz"
  discord_allowed_users  = ["80351110224678912"]
}

# Slack and the relay are in these plans: both once failed every plan of this example.
run "before_the_first_push" {
  command = plan

  assert {
    condition     = output.relay_service_name == null
    error_message = "no relay task before there is an image to run"
  }
}

run "with_the_pushed_image" {
  command = plan

  variables {
    relay_image_tag = "v1.0.0"
    session_scope   = "user"
  }

  assert {
    condition     = output.relay_service_name == "agent-chat-relay"
    error_message = "the relay service"
  }
  assert {
    condition     = keys(output.dlq_urls) == ["discord", "slack", "telegram"]
    error_message = "a dead-letter queue per channel"
  }
}

run "name_the_relay_cannot_take" {
  command = plan

  variables {
    name = "Agent_Chat"
  }

  expect_failures = [var.name]
}
