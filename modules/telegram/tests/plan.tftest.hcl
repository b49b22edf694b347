# Plans of the Telegram module (mocked AWS provider): the pipeline's wiring, the webhook registration, and
# the inputs that must be refused.

mock_provider "aws" {
  source = "../../test/terraform/mocks"
}

# The generated session key, known at plan so the plans can read the secret's value.
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
  bot_token         = "123456789:AAbbccddeeffgghhiijjkkllmmnnooppqq"
  allowed_users     = ["123456789"]
}

run "defaults" {
  command = plan

  assert {
    condition     = aws_apigatewayv2_route.telegram.route_key == "POST /telegram"
    error_message = "the webhook route of the contract"
  }
  assert {
    condition     = aws_apigatewayv2_integration.telegram.integration_type == "AWS_PROXY" && aws_apigatewayv2_integration.telegram.payload_format_version == "2.0"
    error_message = "the ingress takes payload format 2.0 events"
  }
  assert {
    condition     = aws_lambda_permission.telegram.principal == "apigateway.amazonaws.com" && aws_lambda_permission.telegram.function_name == "bot-ingress"
    error_message = "API Gateway may invoke the ingress"
  }
  assert {
    condition     = aws_lambda_event_source_mapping.worker.function_response_types == toset(["ReportBatchItemFailures"]) && aws_lambda_event_source_mapping.worker.batch_size == 1 && aws_lambda_event_source_mapping.worker.scaling_config[0].maximum_concurrency == 10
    error_message = "the worker takes the queue one message at a time, reporting partial failures"
  }
  assert {
    condition     = aws_sqs_queue.this.name == "bot.fifo" && aws_sqs_queue.this.fifo_queue && aws_sqs_queue.this.visibility_timeout_seconds == 6 * aws_lambda_function.worker.timeout
    error_message = "FIFO queue, visibility 6 x the worker timeout"
  }
  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.MAX_RECEIVE_COUNT == "5" && aws_lambda_function.worker.environment[0].variables.AGENT_QUALIFIER == "DEFAULT"
    error_message = "five receives before the DLQ (AWS's minimum for a Lambda consumer), told to the worker"
  }
  assert {
    condition     = aws_apigatewayv2_stage.this[0].default_route_settings[0].throttling_rate_limit == 50 && aws_apigatewayv2_stage.this[0].default_route_settings[0].throttling_burst_limit == 100
    error_message = "the stage throttles every route"
  }
  assert {
    condition     = aws_cloudwatch_log_group.access[0].name == "/aws/apigateway/bot" && aws_cloudwatch_log_group.access[0].retention_in_days == 14 && jsondecode(aws_apigatewayv2_stage.this[0].access_log_settings[0].format).route == "$context.routeKey"
    error_message = "the stage writes a JSON access log with retention"
  }
  assert {
    condition     = aws_lambda_function.ingress.reserved_concurrent_executions == 10 && coalesce(aws_lambda_function.worker.reserved_concurrent_executions, -1) == -1
    error_message = "the ingress has reserved (and capped) concurrency; the worker is capped by its event source"
  }
  assert {
    condition     = endswith(aws_lambda_function.ingress.filename, "dist/ingress.zip") && endswith(aws_lambda_function.worker.filename, "dist/worker.zip") && aws_lambda_function.worker.handler == "worker.handler"
    error_message = "the committed zips, the contract's handlers"
  }
  assert {
    condition     = aws_lambda_function.worker.source_code_hash == filebase64sha256("${path.module}/dist/worker.zip")
    error_message = "the code hash is the committed zip's"
  }
  assert {
    condition     = [for s in data.aws_iam_policy_document.worker.statement : s.sid] == ["WriteOwnLogs", "ReadSecret", "SendLedger", "MediaObjects", "InvokeAgent", "ConsumeQueue", "ConsumeSendQueue", "DeadLetterSend"]
    error_message = "worker policy statements"
  }
  assert {
    condition     = [for s in data.aws_iam_policy_document.ingress.statement : s.sid] == ["WriteOwnLogs", "SendToQueue", "ReadSecret"]
    error_message = "ingress policy statements"
  }
  assert {
    condition     = aws_lambda_invocation.setup_webhook.lifecycle_scope == "CRUD" && aws_lambda_invocation.setup_webhook.function_name == "bot-worker" && aws_lambda_invocation.setup_webhook.terraform_key == "tf"
    error_message = "apply registers the webhook through the worker, destroy removes it"
  }
  assert {
    condition     = length(aws_secretsmanager_secret.this) == 1 && aws_secretsmanager_secret_version.this[0].secret_string == null
    error_message = "the secret is created, its value write-only"
  }
  # The value is write-only (null in a plan); its fingerprint, the version, says what was written.
  assert {
    condition     = aws_secretsmanager_secret_version.this[0].secret_string_wo_version == parseint(substr(sha256(jsonencode({ bot_token = var.bot_token, webhook_secret = sha256("agentcore-relay telegram webhook secret:${var.bot_token}"), session_key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" })), 0, 12), 16)
    error_message = "the secret holds the bot token, the webhook secret and the generated session key"
  }
  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.SESSION_SCOPE == "conversation"
    error_message = "one agent session per conversation by default"
  }
  assert {
    condition     = one([for s in data.aws_iam_policy_document.worker.statement : s.resources if s.sid == "InvokeAgent"]) == toset([var.agent_runtime_arn, "${var.agent_runtime_arn}/runtime-endpoint/DEFAULT"])
    error_message = "the worker invokes the runtime through the configured endpoint only"
  }
  assert {
    condition     = output.ingress_function_name == "bot-ingress" && output.worker_function_name == "bot-worker" && output.worker_role_name == "bot-worker" && output.worker_log_group_name == "/aws/lambda/bot-worker" && output.access_log_group_name == "/aws/apigateway/bot"
    error_message = "outputs name the functions, their roles and log groups"
  }
  assert {
    condition     = aws_iam_role.worker.path == "/" && aws_iam_role.worker.permissions_boundary == null
    error_message = "roles at / without a boundary by default"
  }
}

run "staging_endpoint_role_path_and_boundary" {
  command = plan

  variables {
    session_scope                 = "user"
    agent_qualifier               = "staging"
    iam_role_path                 = "/service-roles/"
    iam_role_permissions_boundary = "arn:aws:iam::123456789012:policy/boundary"
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.worker.statement : s.resources if s.sid == "InvokeAgent"]) == toset([var.agent_runtime_arn, "${var.agent_runtime_arn}/runtime-endpoint/staging"])
    error_message = "the grant follows the qualifier"
  }
  assert {
    condition     = alltrue([for r in [aws_iam_role.worker, aws_iam_role.ingress] : r.path == "/service-roles/" && r.permissions_boundary == var.iam_role_permissions_boundary])
    error_message = "every role gets the path and the boundary"
  }
  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.SESSION_SCOPE == "user"
    error_message = "session_scope reaches the worker"
  }
}

run "streaming_by_default_and_switched" {
  command = plan

  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.STREAM_REPLIES == "true" && aws_lambda_function.worker.environment[0].variables.TELEGRAM_STREAM == "draft"
    error_message = "answers stream by default, as drafts in private chats"
  }
}

run "streaming_edits_or_off" {
  command = plan

  variables {
    stream_replies = false
    stream_mode    = "edit"
  }

  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.STREAM_REPLIES == "false" && aws_lambda_function.worker.environment[0].variables.TELEGRAM_STREAM == "edit"
    error_message = "stream_replies and stream_mode reach the worker"
  }
}

run "existing_secret_and_api" {
  command = plan

  variables {
    bot_token   = null
    secret_arn  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:bot-AbCdEf"
    http_api_id = "a1b2c3d4e5"
  }

  assert {
    condition     = length(aws_secretsmanager_secret.this) == 0 && length(aws_secretsmanager_secret_version.this) == 0 && length(terraform_data.session_key) == 0 && output.secret_arn == var.secret_arn
    error_message = "the given secret is used (its session_key with it), none created"
  }
  assert {
    condition     = length(aws_apigatewayv2_api.this) == 0 && length(aws_apigatewayv2_stage.this) == 0 && length(data.aws_apigatewayv2_api.this) == 1 && aws_apigatewayv2_route.telegram.api_id == data.aws_apigatewayv2_api.this[0].id
    error_message = "the route goes on the given API"
  }
}

run "media_bucket" {
  command = plan

  variables {
    name = "My_Bot"
  }

  # The worker role's ARN, known at plan so the bucket policy's conditions can be read.
  override_resource {
    target          = aws_iam_role.worker
    override_during = plan
    values = {
      arn = "arn:aws:iam::123456789012:role/My_Bot-worker"
    }
  }

  assert {
    condition     = aws_s3_bucket.media.bucket_prefix == "my-bot-media-" && aws_s3_bucket.media.force_destroy
    error_message = "the media bucket's name follows S3's rules whatever the deployment name; destroy empties it"
  }
  assert {
    condition     = aws_s3_bucket_public_access_block.media.block_public_acls && aws_s3_bucket_public_access_block.media.block_public_policy && aws_s3_bucket_public_access_block.media.ignore_public_acls && aws_s3_bucket_public_access_block.media.restrict_public_buckets
    error_message = "no public access to the media bucket"
  }
  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.media.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256" && one(aws_s3_bucket_ownership_controls.media.rule).object_ownership == "BucketOwnerEnforced"
    error_message = "media encrypted at rest (SSE-S3), no ACLs"
  }
  assert {
    condition     = one(one(aws_s3_bucket_lifecycle_configuration.media.rule).expiration).days == 1 && one(one(aws_s3_bucket_lifecycle_configuration.media.rule).abort_incomplete_multipart_upload).days_after_initiation == 1
    error_message = "files expire after a day by default"
  }
  assert {
    condition     = [for s in data.aws_iam_policy_document.media_bucket.statement : s.sid] == ["TlsOnly", "OnlyTheWorkerLists", "OnlyTheWorkerWritesInbound"] && alltrue([for s in data.aws_iam_policy_document.media_bucket.statement : s.effect == "Deny"])
    error_message = "the bucket policy only denies: plain HTTP, and listing or writing inbound files by anyone but the worker"
  }
  assert {
    condition     = one(data.aws_iam_policy_document.media_bucket.statement[0].condition).variable == "aws:SecureTransport" && one(data.aws_iam_policy_document.media_bucket.statement[0].condition).values == tolist(["false"])
    error_message = "TLS only"
  }
  assert {
    condition     = one(data.aws_iam_policy_document.media_bucket.statement[1].condition).test == "ArnNotEquals" && one(data.aws_iam_policy_document.media_bucket.statement[1].condition).variable == "aws:PrincipalArn" && one(data.aws_iam_policy_document.media_bucket.statement[1].condition).values == tolist(["arn:aws:iam::123456789012:role/My_Bot-worker"])
    error_message = "only the worker's role may list the bucket"
  }
  assert {
    condition     = one([for s in data.aws_iam_policy_document.worker.statement : s.actions if s.sid == "MediaObjects"]) == toset(["s3:GetObject", "s3:PutObject"])
    error_message = "the worker gets and puts media objects, nothing more"
  }
  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.MAX_ATTACHMENT_BYTES == "20971520" && aws_lambda_function.worker.environment[0].variables.MAX_ATTACHMENTS == "10" && aws_lambda_function.worker.environment[0].variables.MEDIA_URL_SECONDS == "900"
    error_message = "20 MiB (Telegram's bot download limit), ten files, 15-minute URLs by default"
  }
}

run "media_limits" {
  command = plan

  variables {
    media_retention_days     = 7
    max_attachment_bytes     = 5242880
    max_attachments          = 0
    media_url_expiry_seconds = 3600
  }

  assert {
    condition     = one(one(aws_s3_bucket_lifecycle_configuration.media.rule).expiration).days == 7
    error_message = "media_retention_days sets the expiry"
  }
  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.MAX_ATTACHMENT_BYTES == "5242880" && aws_lambda_function.worker.environment[0].variables.MAX_ATTACHMENTS == "0" && aws_lambda_function.worker.environment[0].variables.MEDIA_URL_SECONDS == "3600"
    error_message = "the limits reach the worker"
  }
}

run "media_limits_refused" {
  command = plan

  variables {
    media_retention_days     = 0
    max_attachment_bytes     = 104857601
    max_attachments          = 21
    media_url_expiry_seconds = 30
  }

  expect_failures = [var.media_retention_days, var.max_attachment_bytes, var.max_attachments, var.media_url_expiry_seconds]
}

run "a_token_is_needed_without_a_secret" {
  command = plan

  variables {
    bot_token = null
  }

  expect_failures = [aws_secretsmanager_secret_version.this]
}

run "longest_name_unreserved_ingress" {
  command = plan

  variables {
    name                         = "a2345678901234567890123456789012345678901234567890123456"
    ingress_reserved_concurrency = null
    api_throttling_rate_limit    = 5
  }

  assert {
    condition     = length(aws_lambda_function.ingress.function_name) == 64 && aws_lambda_function.ingress.reserved_concurrent_executions == -1
    error_message = "56 characters fit (<name>-ingress is 64); null leaves the ingress unreserved"
  }
  assert {
    condition     = aws_apigatewayv2_stage.this[0].default_route_settings[0].throttling_rate_limit == 5
    error_message = "the rate limit is an input"
  }
}

run "refuses_bad_inputs" {
  command = plan

  variables {
    name                         = "a23456789012345678901234567890123456789012345678901234567"
    allowed_users                = []
    bot_token                    = "not-a-token"
    ingress_reserved_concurrency = 0
    session_scope                = "thread"
    stream_mode                  = "off"
  }

  expect_failures = [var.name, var.allowed_users, var.bot_token, var.ingress_reserved_concurrency, var.session_scope, var.stream_mode]
}

run "send_queue_for_the_messages_the_agent_starts" {
  command = plan

  override_resource {
    target          = aws_sqs_queue.send
    override_during = plan
    values = {
      arn = "arn:aws:sqs:us-east-1:123456789012:bot-send.fifo"
      url = "https://sqs.us-east-1.amazonaws.com/123456789012/bot-send.fifo"
    }
  }
  override_resource {
    target          = aws_sqs_queue.send_dlq
    override_during = plan
    values = {
      arn = "arn:aws:sqs:us-east-1:123456789012:bot-send-dlq.fifo"
      url = "https://sqs.us-east-1.amazonaws.com/123456789012/bot-send-dlq.fifo"
    }
  }

  assert {
    condition     = aws_sqs_queue.send.name == "bot-send.fifo" && aws_sqs_queue.send.fifo_queue && !aws_sqs_queue.send.content_based_deduplication && aws_sqs_queue.send.sqs_managed_sse_enabled && aws_sqs_queue.send_dlq.name == "bot-send-dlq.fifo" && aws_sqs_queue.send_dlq.sqs_managed_sse_enabled
    error_message = "a FIFO send queue with its FIFO DLQ, both encrypted; senders give the deduplication id"
  }
  assert {
    condition     = jsondecode(aws_sqs_queue.send.redrive_policy).deadLetterTargetArn == "arn:aws:sqs:us-east-1:123456789012:bot-send-dlq.fifo" && jsondecode(aws_sqs_queue.send.redrive_policy).maxReceiveCount == 5 && aws_sqs_queue.send.visibility_timeout_seconds == 6 * aws_lambda_function.worker.timeout
    error_message = "the send queue redrives to its DLQ after the worker's retries, visibility 6 x the worker timeout"
  }
  assert {
    condition     = aws_lambda_event_source_mapping.send.event_source_arn == "arn:aws:sqs:us-east-1:123456789012:bot-send.fifo" && aws_lambda_event_source_mapping.send.function_response_types == toset(["ReportBatchItemFailures"])
    error_message = "the worker consumes the send queue, reporting partial failures"
  }
  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.SEND_QUEUE_ARN == "arn:aws:sqs:us-east-1:123456789012:bot-send.fifo" && aws_lambda_function.worker.environment[0].variables.SEND_QUEUE_URL == "https://sqs.us-east-1.amazonaws.com/123456789012/bot-send.fifo" && aws_lambda_function.worker.environment[0].variables.SEND_DLQ_URL == "https://sqs.us-east-1.amazonaws.com/123456789012/bot-send-dlq.fifo"
    error_message = "the worker knows the send queue's records and where a bad one goes"
  }
  assert {
    condition     = jsondecode(output.send_policy_json) == { Version = "2012-10-17", Statement = [{ Sid = "SendToRelay", Effect = "Allow", Action = ["sqs:SendMessage"], Resource = "arn:aws:sqs:us-east-1:123456789012:bot-send.fifo" }] }
    error_message = "the agent's policy: SendMessage on the send queue, nothing else"
  }
  assert {
    condition     = output.send_queue_url == "https://sqs.us-east-1.amazonaws.com/123456789012/bot-send.fifo" && output.send_queue_arn == "arn:aws:sqs:us-east-1:123456789012:bot-send.fifo"
    error_message = "the send queue's URL and ARN are outputs"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.send_dlq[0].dimensions.QueueName == "bot-send-dlq.fifo"
    error_message = "an alarm on the send DLQ"
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
    admins                = ["987654321"]
    group_policy          = "always"
    burst_window_ms       = 0
    rate_limit_per_minute = 6
    rate_limit_per_day    = 200
    daily_invocation_cap  = 1000
    alarm_sns_topic_arn   = "arn:aws:sns:us-east-1:123456789012:alarms"
  }

  assert {
    condition     = aws_lambda_function.worker.environment[0].variables.ACCESS_POLICY == "allowlist" && aws_lambda_function.worker.environment[0].variables.ADMINS == "987654321" && aws_lambda_function.worker.environment[0].variables.GROUP_POLICY == "always"
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
