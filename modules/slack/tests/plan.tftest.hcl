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
    admins                = ["U0ADMIN01"]
    group_policy          = "always"
    burst_window_ms       = 0
    rate_limit_per_minute = 6
    rate_limit_per_day    = 200
    daily_invocation_cap  = 1000
    alarm_sns_topic_arn   = "arn:aws:sns:us-east-1:123456789012:alarms"
  }

  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.ACCESS_POLICY == "allowlist" && aws_lambda_function.worker.environment[0].variables.ADMINS == "U0ADMIN01" && aws_lambda_function.worker.environment[0].variables.GROUP_POLICY == "always"
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
