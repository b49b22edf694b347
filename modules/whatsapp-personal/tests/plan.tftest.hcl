# Plans of the WhatsApp-personal module (mocked AWS provider): the worker between the relay's two queues.

mock_provider "aws" {
  source = "../../test/terraform/mocks"
}

variables {
  name              = "bot"
  agent_runtime_arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/my_agent-AbCdEf1234"
  allowed_users     = ["491701234567@s.whatsapp.net"]
}

run "defaults" {
  command = plan

  assert {
    condition     = aws_sqs_queue.this.name == "bot.fifo" && aws_sqs_queue.outbound.name == "bot-outbound.fifo" && aws_sqs_queue.outbound_dlq.name == "bot-outbound-dlq.fifo"
    error_message = "the inbound and outbound queues"
  }
  assert {
    condition     = [for s in data.aws_iam_policy_document.worker.statement : s.sid] == ["WriteOwnLogs", "SendToQueue", "SendLedger", "InvokeAgent", "ConsumeQueue"]
    error_message = "the worker sends replies to the outbound queue; no secret"
  }
  assert {
    condition     = aws_lambda_event_source_mapping.worker.function_response_types == toset(["ReportBatchItemFailures"])
    error_message = "partial batch failures"
  }
}
