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

# Access and spend (docs/architecture.md "Access"): the defaults, every input reaching the worker, the cap's alarm.
run "access_defaults" {
  command = plan

  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.ACCESS_POLICY == "pairing" && aws_lambda_function.worker.environment[0].variables.ADMINS == "" && aws_lambda_function.worker.environment[0].variables.GROUP_POLICY == "mention"
    error_message = "pairing by default, no admins, groups answered when the bot is mentioned"
  }
  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.BURST_WINDOW_MS == "1500" && aws_lambda_function.worker.environment[0].variables.RATE_LIMIT_PER_MINUTE == "0" && aws_lambda_function.worker.environment[0].variables.RATE_LIMIT_PER_DAY == "0" && aws_lambda_function.worker.environment[0].variables.DAILY_INVOCATION_CAP == "0"
    error_message = "bursts merged within 1.5 s, no rate limits, no daily cap"
  }
  assert {
    condition     = length(aws_cloudwatch_metric_alarm.daily_cap) == 0 && length(aws_cloudwatch_log_metric_filter.daily_cap) == 0
    error_message = "no cap, no cap alarm"
  }
}

run "access_inputs" {
  command = plan

  variables {
    access_policy         = "allowlist"
    admins                = ["80351110224678913"]
    group_policy          = "always"
    burst_window_ms       = 0
    rate_limit_per_minute = 6
    rate_limit_per_day    = 200
    daily_invocation_cap  = 1000
    alarm_sns_topic_arn   = "arn:aws:sns:us-east-1:123456789012:alarms"
  }

  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.ACCESS_POLICY == "allowlist" && aws_lambda_function.worker.environment[0].variables.ADMINS == "80351110224678913" && aws_lambda_function.worker.environment[0].variables.GROUP_POLICY == "always"
    error_message = "the policy, the admins and the group policy reach the worker"
  }
  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.BURST_WINDOW_MS == "0" && aws_lambda_function.worker.environment[0].variables.RATE_LIMIT_PER_MINUTE == "6" && aws_lambda_function.worker.environment[0].variables.RATE_LIMIT_PER_DAY == "200" && aws_lambda_function.worker.environment[0].variables.DAILY_INVOCATION_CAP == "1000"
    error_message = "the window and the limits reach the worker"
  }
  assert {
    condition     = aws_lambda_function.ingress.environment[0].variables.GROUP_POLICY == "always"
    error_message = "the ingress forwards every group message under group_policy always"
  }
  assert {
    condition     = aws_cloudwatch_log_metric_filter.daily_cap[0].log_group_name == aws_cloudwatch_log_group.worker.name && aws_cloudwatch_log_metric_filter.daily_cap[0].pattern == "{ $.event = \"access.cap_reached\" }" && aws_cloudwatch_log_metric_filter.daily_cap[0].metric_transformation[0].namespace == "AgentcoreRelay/bot"
    error_message = "the worker's cap_reached log line counted in the deployment's own namespace"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.daily_cap[0].alarm_actions == toset(["arn:aws:sns:us-east-1:123456789012:alarms"]) && aws_cloudwatch_metric_alarm.daily_cap[0].namespace == "AgentcoreRelay/bot" && aws_cloudwatch_metric_alarm.daily_cap[0].metric_name == "DailyCapReached"
    error_message = "the cap alarm notifies the alarm topic"
  }
}

run "refuses_bad_access_inputs" {
  command = plan

  variables {
    access_policy         = "invite"
    admins                = ["*"]
    group_policy          = "sometimes"
    burst_window_ms       = 90000
    rate_limit_per_minute = -1
    daily_invocation_cap  = 1.5
  }

  expect_failures = [var.access_policy, var.admins, var.group_policy, var.burst_window_ms, var.rate_limit_per_minute, var.daily_invocation_cap]
}
