/** Plain-text helpers for terminal output; no colours, so logs and pipes stay clean. */

export function formatNumber(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

export function table(headers: string[], rows: string[][], maxWidths: number[] = []): string {
  const widths = headers.map((header, i) =>
    Math.min(maxWidths[i] ?? Infinity, Math.max(header.length, ...rows.map((row) => (row[i] ?? "").length))),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => {
        const width = widths[i]!;
        const text = cell.length > width ? cell.slice(0, Math.max(0, width - 1)) + "…" : cell;
        return i === cells.length - 1 ? text : text.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** The short name of an ARN's principal: `role/deploy` from a role ARN, the session's role for an assumed role. */
export function shortPrincipal(arn: string | undefined): string {
  if (!arn) return "-";
  const assumed = /:assumed-role\/([^/]+)\/(.+)$/.exec(arn);
  if (assumed) return `${assumed[1]}/${assumed[2]}`;
  if (arn.endsWith(":root")) return "root";
  const resource = arn.split(":").slice(5).join(":");
  return resource || arn;
}
