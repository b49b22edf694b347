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
