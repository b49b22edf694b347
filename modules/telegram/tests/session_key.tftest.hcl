# The session key is made once: applied (terraform_data is Terraform's own, not mocked), then planned
# again with the rest of the module, it is the same known value, so the secret is not rewritten on every plan. Without
# ignore_changes, uuid() would make a new key at each plan and these plans could not read it.

mock_provider "aws" {
  source = "../../test/terraform/mocks"
}

variables {
  name              = "bot"
  agent_runtime_arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234"
  bot_token         = "123456789:AAbbccddeeffgghhiijjkkllmmnnooppqq"
  allowed_users     = ["123456789"]
}

run "apply" {
  command = apply

  # The key alone: a mocked apply of the rest would only create fakes.
  plan_options {
    target = [terraform_data.session_key]
  }

  assert {
    condition     = can(regex("^[0-9a-f]{64}$", nonsensitive(terraform_data.session_key[0].output)))
    error_message = "64 hex digits: what the worker takes as session_key (32-512 visible characters)"
  }
}

run "plan_again" {
  command = plan

  assert {
    condition     = can(regex("^[0-9a-f]{64}$", nonsensitive(terraform_data.session_key[0].output)))
    error_message = "the key applied is still there, known at plan: not made anew"
  }
  assert {
    condition     = aws_secretsmanager_secret_version.this[0].secret_string_wo_version == parseint(substr(sha256(jsonencode({ bot_token = var.bot_token, webhook_secret = sha256("agentcore-relay telegram webhook secret:${var.bot_token}"), session_key = terraform_data.session_key[0].output })), 0, 12), 16)
    error_message = "the secret's version is known at plan, from the same key: nothing rewritten"
  }
}
