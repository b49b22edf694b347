# Plans of the WhatsApp-personal module (mocked AWS provider): the worker between the relay's two queues,
# its secret (the session key only), and the allowlist the relay takes from it.

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

override_resource {
  target          = aws_secretsmanager_secret.this
  override_during = plan
  values = {
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:bot-whatsapp-personal-AbCdEf"
  }
}

variables {
  name              = "bot"
  agent_runtime_arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234"
  allowed_users     = ["491701234567@s.whatsapp.net", "12345678901234@lid"]
}

run "defaults" {
  command = plan

  assert {
    condition     = aws_sqs_queue.this.name == "bot.fifo" && aws_sqs_queue.outbound.name == "bot-outbound.fifo" && aws_sqs_queue.outbound_dlq.name == "bot-outbound-dlq.fifo"
    error_message = "the inbound and outbound queues"
  }
  assert {
    condition     = [for s in data.aws_iam_policy_document.worker.statement : s.sid] == ["WriteOwnLogs", "ReadSecret", "SendToQueue", "SendLedger", "MediaObjects", "InvokeAgent", "ConsumeQueue", "ConsumeSendQueue", "DeadLetterSend"]
    error_message = "the worker reads its secret and sends replies to the outbound queue"
  }
  assert {
    condition     = one([for s in data.aws_iam_policy_document.worker.statement : s.resources if s.sid == "ReadSecret"]) == toset([aws_secretsmanager_secret.this[0].arn]) && one([for s in data.aws_iam_policy_document.worker.statement : s.actions if s.sid == "ReadSecret"]) == toset(["secretsmanager:GetSecretValue"])
    error_message = "secretsmanager:GetSecretValue on its own secret only"
  }
  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.SECRET_ARN == aws_secretsmanager_secret.this[0].arn && aws_lambda_function.worker.environment[0].variables.SESSION_SCOPE == "conversation"
    error_message = "the worker finds its session key through SECRET_ARN; one agent session per chat by default"
  }
  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.ALLOWED_USERS == "491701234567@s.whatsapp.net,12345678901234@lid" && output.allowed_users == var.allowed_users
    error_message = "the worker and the relay (allowed_users output) let through the same people"
  }
  assert {
    condition     = aws_secretsmanager_secret.this[0].name_prefix == "bot-whatsapp-personal-" && aws_secretsmanager_secret_version.this[0].secret_string == null && aws_secretsmanager_secret_version.this[0].secret_string_wo_version == parseint(substr(sha256(jsonencode({ session_key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" })), 0, 12), 16)
    error_message = "a secret holding only the generated session key, write-only"
  }
  assert {
    condition     = output.secret_arn == aws_secretsmanager_secret.this[0].arn
    error_message = "the secret's ARN is an output"
  }
  assert {
    condition     = aws_lambda_event_source_mapping.worker.function_response_types == toset(["ReportBatchItemFailures"])
    error_message = "partial batch failures"
  }
}

run "existing_secret_per_user_sessions" {
  command = plan

  variables {
    secret_arn    = "arn:aws:secretsmanager:us-east-1:123456789012:secret:my-session-key-AbCdEf"
    session_scope = "user"
    allowed_users = ["*"]
  }

  assert {
    condition     = length(aws_secretsmanager_secret.this) == 0 && length(terraform_data.session_key) == 0 && aws_lambda_function.worker.environment[0].variables.SECRET_ARN == var.secret_arn
    error_message = "a given secret (with its own session_key): none created"
  }
  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.SESSION_SCOPE == "user" && output.allowed_users == tolist(["*"])
    error_message = "per-user sessions; everyone who writes to the account"
  }
}

run "refuses_phone_numbers_that_are_not_jids_and_an_unknown_scope" {
  command = plan

  variables {
    allowed_users = ["+491701234567", "491701234567@g.us"]
    session_scope = "group"
  }

  expect_failures = [var.allowed_users, var.session_scope]
}

run "refuses_an_empty_allowlist" {
  command = plan

  variables {
    allowed_users = []
  }

  expect_failures = [var.allowed_users]
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
    admins                = ["491701234599@s.whatsapp.net"]
    group_policy          = "always"
    burst_window_ms       = 0
    rate_limit_per_minute = 6
    rate_limit_per_day    = 200
    daily_invocation_cap  = 1000
    alarm_sns_topic_arn   = "arn:aws:sns:us-east-1:123456789012:alarms"
  }

  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.ACCESS_POLICY == "allowlist" && aws_lambda_function.worker.environment[0].variables.ADMINS == "491701234599@s.whatsapp.net" && aws_lambda_function.worker.environment[0].variables.GROUP_POLICY == "always"
    error_message = "the policy, the admins and the group policy reach the worker"
  }
  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.BURST_WINDOW_MS == "0" && aws_lambda_function.worker.environment[0].variables.RATE_LIMIT_PER_MINUTE == "6" && aws_lambda_function.worker.environment[0].variables.RATE_LIMIT_PER_DAY == "200" && aws_lambda_function.worker.environment[0].variables.DAILY_INVOCATION_CAP == "1000"
    error_message = "the window and the limits reach the worker"
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
