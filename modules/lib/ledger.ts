import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { Construct } from "constructs";
import { baseName, named, type TerraformNameProps } from "./expr.ts";

/** The attribute DynamoDB's TTL reads (epoch seconds); the handlers write it (handlers/core/ledger.ts). */
export const LEDGER_TTL_ATTRIBUTE = "expiresAt";

export interface SendLedgerTableProps extends TerraformNameProps {
  /** Table name, e.g. `${name}-ledger`. */
  readonly tableName: string;
  readonly tags?: Record<string, string>;
}

/**
 * The outbound send ledger: one small item per answered message (partition key `id` = the envelope id),
 * kept by TTL for 15 days, so a message SQS delivers again is never answered twice; and one item per
 * conversation that ever used `/new` (`session:<conversation>`, its session generation, no TTL: see
 * handlers/core/session-generations.ts). On-demand billing
 * (nothing idle), encrypted at rest with the AWS owned key (no KMS grant needed). Terraform name:
 * `aws_dynamodb_table.<terraformName>`.
 */
export class SendLedgerTable extends Construct {
  readonly table: DynamodbTable;

  constructor(scope: Construct, id: string, props: SendLedgerTableProps) {
    super(scope, id);
    this.table = named(
      new DynamodbTable(this, "Table", {
        name: props.tableName,
        billingMode: "PAY_PER_REQUEST",
        hashKey: "id",
        attribute: [{ name: "id", type: "S" }],
        ttl: { attributeName: LEDGER_TTL_ATTRIBUTE, enabled: true },
        tags: props.tags,
      }),
      baseName(id, props),
    );
  }
}
