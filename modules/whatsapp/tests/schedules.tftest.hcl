# Plans of a WhatsApp Cloud schedule with a template (mocked AWS provider): the firing's message carries the
# approved template the worker sends when WhatsApp refuses the answer outside the 24-hour window (131047);
# without one the firing says `template: null`; a template with a bad name or language is refused.
# test/outbound-whatsapp.e2e.test.ts sends the same firing to the worker with the emulator answering 131047.

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

variables {
  name              = "bot"
  agent_runtime_arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234"
  access_token      = "EAAGm0PX4ZCpsBAabcdefghijklmnop"
  app_secret        = "0123456789abcdef0123456789abcdef"
  phone_number_id   = "106540352242922"
  allowed_users     = ["16505551234"]
}

run "schedule_with_template" {
  command = plan

  variables {
    schedules = [
      { name = "morning", expression = "cron(0 7 * * ? *)", conversation = "16505551234", prompt = "Summarise my day", template = { name = "daily_summary", language = "en_US", parameters = ["today"] } },
      { name = "plain", expression = "rate(1 day)", conversation = "16505551234", prompt = "Anything new?", template = { name = "check_in", language = "en" } },
      { name = "none", expression = "rate(1 day)", conversation = "16505551234", prompt = "Hello" },
    ]
  }

  assert {
    condition     = jsondecode(aws_scheduler_schedule.this["morning"].target[0].input).template == { name = "daily_summary", language = "en_US", parameters = ["today"] }
    error_message = "the firing carries the schedule's template as given"
  }
  assert {
    condition     = jsondecode(aws_scheduler_schedule.this["plain"].target[0].input).template == { name = "check_in", language = "en", parameters = [] }
    error_message = "parameters left out: none"
  }
  assert {
    condition     = jsondecode(aws_scheduler_schedule.this["none"].target[0].input).template == null
    error_message = "no template: null"
  }
}

run "bad_template_name" {
  command = plan

  variables {
    schedules = [{ name = "a", expression = "rate(1 day)", conversation = "16505551234", prompt = "x", template = { name = "Daily Summary", language = "en_US" } }]
  }

  expect_failures = [var.schedules]
}

run "bad_template_language" {
  command = plan

  variables {
    schedules = [{ name = "a", expression = "rate(1 day)", conversation = "16505551234", prompt = "x", template = { name = "daily", language = "English" } }]
  }

  expect_failures = [var.schedules]
}
