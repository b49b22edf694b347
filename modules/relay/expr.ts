/** One line, no trailing commas: Terraform expressions written over several lines in the source. */
export function oneLine(expression: string): string {
  return expression
    .replace(/\s*\n\s*/g, " ")
    .replace(/,\s*([\])])/g, "$1")
    .trim();
}
