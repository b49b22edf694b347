# Plans of the Discord module (mocked AWS provider): the interactions endpoint, its registration, and the
# ingress's secret access, which depends on whether the public key is an input.

mock_provider "aws" {
  source = "../../test/terraform/mocks"
}

# The generated session key, known at plan so the plans can check what the secret is written with.
override_resource {
  target          = terraform_data.session_key
  override_during = plan
  values = {
    output = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
  }
}

variables {
  name              = "bot"
  agent_runtime_arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234"
  application_id    = "1234567890123456789"
  public_key        = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
  bot_token         = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.AbCdEf.abcdefghijklmnopqrstuvwxyz"
  allowed_users     = ["80351110224678912"]
}

run "public_key_given" {
  command = plan

  assert {
    condition     = aws_apigatewayv2_route.discord.route_key == "POST /discord/interactions"
    error_message = "the interactions route of the contract"
  }
  assert {
    condition     = aws_lambda_function.ingress.timeout == 5 && aws_lambda_function.ingress.environment[0].variables.DISCORD_PUBLIC_KEY == var.public_key
    error_message = "the ingress verifies with the key from its environment, within Discord's 3 s"
  }
  assert {
    condition     = length(aws_iam_role_policy.ingress_secret) == 0 && [for s in data.aws_iam_policy_document.ingress.statement : s.sid] == ["WriteOwnLogs", "SendToQueue"]
    error_message = "with the public key given, the ingress reads no secret"
  }
  assert {
    condition     = aws_lambda_invocation.setup_interactions.lifecycle_scope == "CRUD" && aws_lambda_invocation.setup_interactions.function_name == "bot-worker"
    error_message = "apply registers the commands and the endpoint URL"
  }
  assert {
    condition     = aws_secretsmanager_secret_version.this[0].secret_string_wo_version == parseint(substr(sha256(jsonencode({ application_id = var.application_id, public_key = var.public_key, bot_token = var.bot_token, session_key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" })), 0, 12), 16)
    error_message = "the secret (write-only: its fingerprint says what was written) holds the credentials and the session key"
  }
  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.SESSION_SCOPE == "conversation"
    error_message = "one agent session per conversation by default"
  }
}

run "key_from_the_secret" {
  command = plan

  variables {
    public_key     = null
    application_id = null
    bot_token      = null
    secret_arn     = "arn:aws:secretsmanager:us-east-1:123456789012:secret:bot-discord-AbCdEf"
  }

  assert {
    condition     = length(aws_iam_role_policy.ingress_secret) == 1 && aws_lambda_function.ingress.environment[0].variables.DISCORD_PUBLIC_KEY == ""
    error_message = "without the public key, the ingress may read the secret"
  }
  assert {
    condition     = length(terraform_data.session_key) == 0 && length(aws_secretsmanager_secret_version.this) == 0
    error_message = "a given secret brings its own session_key: none generated"
  }
}
