# Plans of the schedules input (mocked AWS provider): nothing without schedules; with them, a schedule group,
# one schedule per entry putting its firing on the main queue in its conversation's message group, the
# scheduler's role allowed SendMessage on that queue only, content-based deduplication on; refused values.
# test/schedule.e2e.test.ts sends the same input, filled in as EventBridge Scheduler fills it, to the worker.

mock_provider "aws" {
  source = "../../test/terraform/mocks"
}

override_resource {
  target          = terraform_data.session_key
  override_during = plan
  values = {
    output = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
  }
}

override_resource {
  target          = aws_sqs_queue.this
  override_during = plan
  values = {
    arn = "arn:aws:sqs:us-east-1:123456789012:bot.fifo"
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/bot.fifo"
  }
}

variables {
  name              = "bot"
  agent_runtime_arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234"
  bot_token         = "123456789:AAbbccddeeffgghhiijjkkllmmnnooppqq"
  allowed_users     = ["123456789"]
}

run "no_schedules" {
  command = plan

  assert {
    condition     = length(aws_scheduler_schedule.this) == 0 && length(aws_scheduler_schedule_group.this) == 0 && length(aws_iam_role.scheduler) == 0 && length(aws_iam_role_policy.scheduler) == 0
    error_message = "no schedules, no scheduler resources"
  }
  assert {
    condition     = !aws_sqs_queue.this.content_based_deduplication
    error_message = "without schedules every producer gives the deduplication id"
  }
}

run "schedules" {
  command = plan

  variables {
    schedules = [
      { name = "morning", expression = "cron(0 7 * * ? *)", conversation = "7", prompt = "Summarise <my> day" },
      { name = "topic.weekly", expression = "rate(7 days)", timezone = "Europe/Paris", conversation = "-1001234567890", thread = "42", prompt = "Say \"hi\"", enabled = false },
    ]
  }

  assert {
    condition     = aws_scheduler_schedule.this["morning"].target[0].input == "{\"channel\":\"telegram\",\"conversation\":\"7\",\"kind\":\"schedule\",\"name\":\"morning\",\"prompt\":\"Summarise \\u003cmy\\u003e day\",\"template\":null,\"thread\":null,\"time\":\"<aws.scheduler.scheduled-time>\",\"v\":1}"
    error_message = "the firing's message, the scheduler's context attribute literal (what the e2e test sends, filled in)"
  }
  assert {
    condition     = jsondecode(aws_scheduler_schedule.this["topic.weekly"].target[0].input) == { kind = "schedule", v = 1, channel = "telegram", name = "topic.weekly", conversation = "-1001234567890", thread = "42", prompt = "Say \"hi\"", template = null, time = "<aws.scheduler.scheduled-time>" }
    error_message = "a thread and quotes in the prompt survive"
  }
  assert {
    condition     = aws_scheduler_schedule.this["morning"].target[0].sqs_parameters[0].message_group_id == "telegram:7" && aws_scheduler_schedule.this["topic.weekly"].target[0].sqs_parameters[0].message_group_id == "telegram:-1001234567890:42"
    error_message = "each firing in its conversation's message group, as the ingress names it"
  }
  assert {
    condition     = aws_scheduler_schedule.this["morning"].target[0].arn == "arn:aws:sqs:us-east-1:123456789012:bot.fifo" && aws_scheduler_schedule.this["morning"].group_name == "bot"
    error_message = "firings go to the main queue; the schedules are in the module's group"
  }
  assert {
    condition     = aws_scheduler_schedule.this["morning"].schedule_expression == "cron(0 7 * * ? *)" && aws_scheduler_schedule.this["morning"].schedule_expression_timezone == "UTC" && aws_scheduler_schedule.this["morning"].state == "ENABLED" && aws_scheduler_schedule.this["topic.weekly"].schedule_expression_timezone == "Europe/Paris" && aws_scheduler_schedule.this["topic.weekly"].state == "DISABLED"
    error_message = "expression, time zone (UTC by default) and state as given"
  }
  assert {
    condition     = aws_scheduler_schedule.this["morning"].flexible_time_window[0].mode == "OFF" && aws_scheduler_schedule.this["morning"].target[0].retry_policy[0].maximum_event_age_in_seconds == 3600
    error_message = "on time, given up after an hour"
  }
  assert {
    condition     = aws_sqs_queue.this.content_based_deduplication
    error_message = "EventBridge Scheduler sets no deduplication id: the main queue deduplicates by content"
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.scheduler[0].policy) == { Version = "2012-10-17", Statement = [{ Sid = "SendToQueue", Effect = "Allow", Action = ["sqs:SendMessage"], Resource = "arn:aws:sqs:us-east-1:123456789012:bot.fifo" }] }
    error_message = "the scheduler may send to the main queue and nothing else"
  }
  assert {
    condition     = aws_iam_role.scheduler[0].name == "bot-sched" && jsondecode(aws_iam_role.scheduler[0].assume_role_policy).Statement[0].Principal.Service == "scheduler.amazonaws.com" && jsondecode(aws_iam_role.scheduler[0].assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "the role trusts the scheduler of this account only"
  }
}

run "duplicate_names" {
  command = plan

  variables {
    schedules = [
      { name = "a", expression = "rate(1 day)", conversation = "7", prompt = "x" },
      { name = "a", expression = "rate(2 days)", conversation = "7", prompt = "y" },
    ]
  }

  expect_failures = [var.schedules]
}

run "bad_expression" {
  command = plan

  variables {
    schedules = [{ name = "a", expression = "0 7 * * *", conversation = "7", prompt = "x" }]
  }

  expect_failures = [var.schedules]
}

run "empty_prompt" {
  command = plan

  variables {
    schedules = [{ name = "a b", expression = "rate(1 day)", conversation = "7", prompt = "" }]
  }

  expect_failures = [var.schedules]
}
