/**
 * One line, no trailing commas, no space inside ( ) and [ ]: Terraform expressions written over several
 * lines in the source, laid out as `terraform fmt` lays them out.
 */
export function oneLine(expression: string): string {
  return expression
    .replace(/\s*\n\s*/g, " ")
    .replace(/,\s*([\])])/g, "$1")
    .replace(/([[(])\s+/g, "$1")
    .replace(/\s+([\])])/g, "$1")
    .trim();
}
