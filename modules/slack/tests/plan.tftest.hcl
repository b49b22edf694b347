# Plans of the Slack module (mocked AWS provider): the pipeline's wiring, the app manifest, bad inputs.

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
  bot_token         = "xoxb-1234-5678-AbCdEfGhIjKl"
  signing_secret    = "0123456789abcdef0123456789abcdef"
  allowed_users     = ["U0123ABCD"]
}

# app_name is left null here: its validation once failed every plan with length(null).
run "defaults" {
  command = plan

  assert {
    condition     = aws_apigatewayv2_route.slack.route_key == "POST /slack/events"
    error_message = "the Events API route of the contract"
  }
  assert {
    condition     = aws_lambda_event_source_mapping.worker.function_response_types == toset(["ReportBatchItemFailures"])
    error_message = "partial batch failures"
  }
  assert {
    condition     = [for s in data.aws_iam_policy_document.worker.statement : s.sid] == ["WriteOwnLogs", "ReadSecret", "SendLedger", "MediaObjects", "InvokeAgent", "ConsumeQueue", "ConsumeSendQueue", "DeadLetterSend"]
    error_message = "worker policy statements"
  }
  assert {
    condition     = aws_secretsmanager_secret_version.this[0].secret_string_wo_version == parseint(substr(sha256(jsonencode({ bot_token = var.bot_token, signing_secret = var.signing_secret, session_key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" })), 0, 12), 16)
    error_message = "the secret (write-only: its fingerprint says what was written) holds the credentials and the session key"
  }
  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.SESSION_SCOPE == "conversation"
    error_message = "one agent session per conversation (a DM, a thread) by default"
  }
  assert {
    condition     = local.app_name == "bot"
    error_message = "the app is named after the deployment"
  }
  assert {
    condition     = aws_lambda_function.ingress.function_name == "bot-ingress" && output.worker_function_name == "bot-worker"
    error_message = "functions named after the deployment"
  }
}

run "app_name_and_assistant_view" {
  command = plan

  variables {
    app_name              = "Agent"
    enable_assistant_view = true
    session_scope         = "user"
  }

  assert {
    condition     = local.app_name == "Agent"
    error_message = "app_name names the app"
  }
  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.SESSION_SCOPE == "user"
    error_message = "session_scope reaches the worker"
  }
}

run "refuses_bad_inputs" {
  command = plan

  variables {
    app_name       = ""
    signing_secret = "not hex"
    session_scope  = "channel"
  }

  expect_failures = [var.app_name, var.signing_secret, var.session_scope]
}
