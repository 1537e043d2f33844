// The one Node API the unit tests use (the UI's tsconfig has no Node types).
declare module "node:fs" {
  export function readFileSync(path: URL, encoding: "utf8"): string;
}
