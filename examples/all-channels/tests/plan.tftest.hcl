# The example as a user runs it (its terraform.tfvars.example values), planned with a mocked AWS provider.

mock_provider "aws" {
  source = "../../test/terraform/mocks"
}

variables {
  agent_runtime_arn               = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234"
  telegram_bot_token              = "123456789:AAbbccddeeffgghhiijjkkllmmnnooppqq"
  telegram_allowed_users          = ["123456789"]
  slack_bot_token                 = "xoxb-1234-5678-AbCdEfGhIjKl"
  slack_signing_secret            = "0123456789abcdef0123456789abcdef"
  slack_allowed_users             = ["U0123ABCD"]
  discord_application_id          = "1234567890123456789"
  discord_public_key              = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
  discord_bot_token               = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.AbCdEf.abcdefghijklmnopqrstuvwxyz"
  discord_allowed_users           = ["80351110224678912"]
  whatsapp_access_token           = "EAAGm0PX4ZCpsBAabcdefghijklmnop"
  whatsapp_app_secret             = "0123456789abcdef0123456789abcdef"
  whatsapp_phone_number_id        = "106540352242922"
  whatsapp_allowed_users          = ["16505551234"]
  whatsapp_personal_allowed_users = ["491701234567@s.whatsapp.net"]
}

run "plan" {
  command = plan

  assert {
    condition     = keys(output.dlq_urls) == ["discord", "slack", "telegram", "whatsapp", "whatsapp_personal"]
    error_message = "a dead-letter queue per channel"
  }
  assert {
    condition     = module.whatsapp_personal.allowed_users == tolist(["491701234567@s.whatsapp.net"])
    error_message = "the relay takes its allowlist from module.whatsapp_personal"
  }
}

run "per_user_sessions_a_group_trigger_and_the_qr_code_in_the_log" {
  command = plan

  variables {
    session_scope                   = "user"
    whatsapp_personal_group_trigger = "!ai"
    relay_log_pairing_qr            = true
    relay_image_tag                 = "v1.0.0"
  }

  assert {
    condition     = module.relay.service_name == "agent-chat-relay"
    error_message = "the relay with WhatsApp personal's settings plans"
  }
}

run "a_trigger_of_two_words_and_an_unknown_session_scope" {
  command = plan

  variables {
    whatsapp_personal_group_trigger = "hey bot"
    session_scope                   = "group"
  }

  expect_failures = [var.whatsapp_personal_group_trigger, var.session_scope]
}
