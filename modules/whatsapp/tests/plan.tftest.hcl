# Plans of the WhatsApp Cloud API module (mocked AWS provider): both webhook routes, the ledger statuses the
# ingress records, the verify token, and the subscription by API.

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
  access_token      = "EAAGm0PX4ZCpsBAabcdefghijklmnop"
  app_secret        = "0123456789abcdef0123456789abcdef"
  phone_number_id   = "106540352242922"
  allowed_users     = ["16505551234"]
}

run "defaults" {
  command = plan

  assert {
    condition     = aws_apigatewayv2_route.whatsapp_get.route_key == "GET /whatsapp" && aws_apigatewayv2_route.whatsapp_post.route_key == "POST /whatsapp"
    error_message = "the handshake and delivery routes of the contract"
  }
  assert {
    condition     = contains([for s in data.aws_iam_policy_document.ingress.statement : s.sid], "RecordDeliveryStatus")
    error_message = "the ingress records delivery statuses in the ledger"
  }
  assert {
    condition     = alltrue(flatten([for s in data.aws_iam_policy_document.ingress.statement : [for c in s.condition : c.variable == "dynamodb:LeadingKeys" && toset(c.values) == toset(["whatsapp:*"])] if s.sid == "RecordDeliveryStatus"]))
    error_message = "only the items of WhatsApp envelopes"
  }
  assert {
    condition     = length(terraform_data.verify_token) == 1 && aws_lambda_function.worker.environment[0].variables.WHATSAPP_APP_ID == ""
    error_message = "a verify token is generated; no app id, no subscription by API"
  }
  assert {
    condition     = length(terraform_data.session_key) == 1 && aws_lambda_function.worker.environment[0].variables.SESSION_SCOPE == "conversation"
    error_message = "a session key is generated; one agent session per conversation by default"
  }
}

run "given_verify_token_and_app_id" {
  command = plan

  variables {
    verify_token = "my-verify-token"
    app_id       = "1234567890"
  }

  assert {
    condition     = length(terraform_data.verify_token) == 0 && output.verify_token == "my-verify-token"
    error_message = "the given verify token is used"
  }
  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.WHATSAPP_APP_ID == "1234567890"
    error_message = "the worker subscribes the app"
  }
  assert {
    condition     = aws_secretsmanager_secret_version.this[0].secret_string_wo_version == parseint(substr(sha256(jsonencode({ access_token = var.access_token, app_secret = var.app_secret, verify_token = var.verify_token, phone_number_id = var.phone_number_id, session_key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" })), 0, 12), 16)
    error_message = "the secret (write-only: its fingerprint says what was written) holds the credentials, the verify token and the session key"
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
    admins                = ["16505550001"]
    group_policy          = "always"
    burst_window_ms       = 0
    rate_limit_per_minute = 6
    rate_limit_per_day    = 200
    daily_invocation_cap  = 1000
    alarm_sns_topic_arn   = "arn:aws:sns:us-east-1:123456789012:alarms"
  }

  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.ACCESS_POLICY == "allowlist" && aws_lambda_function.worker.environment[0].variables.ADMINS == "16505550001" && aws_lambda_function.worker.environment[0].variables.GROUP_POLICY == "always"
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
