# The repository root as a module (main.tf), planned with a mocked AWS provider: every channel off, and
# every channel on with the relay. Run from the root: terraform test -test-directory=test/terraform/root

mock_provider "aws" {
  source = "./test/terraform/mocks"
}

run "all_channels_off" {
  command = plan

  assert {
    condition = alltrue([for value in [
      output.telegram_webhook_url, output.slack_events_url, output.discord_interactions_endpoint_url,
      output.whatsapp_webhook_url, output.whatsapp_personal_queue_url, output.relay_service_name,
      output.telegram_send_queue_url, output.slack_send_queue_arn, output.discord_send_policy_json,
      output.whatsapp_send_queue_url, output.whatsapp_personal_send_policy_json,
    ] : value == null])
    error_message = "nothing is deployed with every switch off"
  }
}

run "all_channels_on" {
  command = plan

  variables {
    name                            = "agent-chat-production-eu-central-1-abc"
    agent_runtime_arn               = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234"
    enable_telegram                 = true
    telegram_bot_token              = "123456789:AAbbccddeeffgghhiijjkkllmmnnooppqq"
    telegram_allowed_users          = ["123456789"]
    enable_slack                    = true
    slack_bot_token                 = "xoxb-1234-5678-AbCdEfGhIjKl"
    slack_signing_secret            = "0123456789abcdef0123456789abcdef"
    slack_allowed_users             = ["U0123ABCD"]
    enable_discord                  = true
    discord_application_id          = "1234567890123456789"
    discord_public_key              = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    discord_bot_token               = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.AbCdEf.abcdefghijklmnopqrstuvwxyz"
    discord_allowed_users           = ["80351110224678912"]
    enable_whatsapp                 = true
    whatsapp_access_token           = "EAAGm0PX4ZCpsBAabcdefghijklmnop"
    whatsapp_app_secret             = "0123456789abcdef0123456789abcdef"
    whatsapp_phone_number_id        = "106540352242922"
    whatsapp_allowed_users          = ["16505551234"]
    enable_whatsapp_personal        = true
    whatsapp_personal_allowed_users = ["491701234567@s.whatsapp.net"]
    whatsapp_personal_group_trigger = "!ai"
    session_scope                   = "user"
    enable_relay                    = true
    relay_log_pairing_qr            = true
    relay_subnet_ids                = ["subnet-0123456789abcdef0"]
    relay_security_group_ids        = ["sg-0123456789abcdef0"]
    relay_image_tag                 = "v1.0.0"
  }

  assert {
    condition     = output.relay_service_name == "agent-chat-production-eu-central-1-abc-relay" && output.telegram_ingress_function_name == "agent-chat-production-eu-central-1-abc-telegram-ingress"
    error_message = "every channel and the relay, named <name>-<part>, with the longest name the rule allows (38)"
  }
  assert {
    condition     = output.discord_worker_function_name == "agent-chat-production-eu-central-1-abc-discord-worker" && output.whatsapp_worker_function_name == "agent-chat-production-eu-central-1-abc-whatsapp-worker"
    error_message = "the relay's channels are deployed"
  }
  assert {
    condition     = output.whatsapp_personal.allowed_users == tolist(["491701234567@s.whatsapp.net"]) && output.whatsapp_personal.worker_function_name == "agent-chat-production-eu-central-1-abc-whatsapp-personal-worker"
    error_message = "one allowlist for the WhatsApp-personal worker and the relay, which takes the module whole"
  }
}

run "refuses_an_unknown_session_scope_and_a_trigger_of_two_words" {
  command = plan

  variables {
    session_scope                   = "thread"
    whatsapp_personal_group_trigger = "hey bot"
  }

  expect_failures = [var.session_scope, var.whatsapp_personal_group_trigger]
}

# One rule for the name, checked here: whatever passes it passes every module it is handed to.
run "name_too_long" {
  command = plan

  variables {
    name = "agent-chat-production-eu-central-1-abcd"
  }

  expect_failures = [var.name]
}

run "name_with_a_leading_underscore" {
  command = plan

  variables {
    name = "_agent"
  }

  expect_failures = [var.name]
}

run "name_with_capitals" {
  command = plan

  variables {
    name = "AgentChat"
  }

  expect_failures = [var.name]
}
