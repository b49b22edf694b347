# Values the mocked hashicorp/aws provider returns where the plan needs them to be well formed: policy
# documents are JSON (IAM arguments are checked as policies), the account id is twelve digits (bucket
# names), the default VPC has subnets, and a secret has a current version.

mock_data "aws_iam_policy_document" {
  defaults = {
    json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
  }
}

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:user/terraform-test"
  }
}

mock_data "aws_subnets" {
  defaults = {
    ids = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
  }
}

mock_data "aws_vpc" {
  defaults = {
    id = "vpc-0123456789abcdef0"
  }
}

mock_data "aws_secretsmanager_secret_versions" {
  defaults = {
    versions = [{ version_id = "00000000-0000-0000-0000-000000000001", version_stages = ["AWSCURRENT"] }]
  }
}

mock_data "aws_apigatewayv2_api" {
  defaults = {
    api_endpoint  = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
    execution_arn = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5"
  }
}
