// Generates src/gen/ (TypeScript) from the repository's proto/ with buf and protoc-gen-es, both
// pinned in package-lock.json. The output is a build product, not committed: the package ships
// it compiled, so it can never drift from the protos it was built from.
import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = join(pkg, "..", "..");
if (!existsSync(join(root, ".tools", "proto", "google", "rpc", "status.proto"))) {
  console.error("the googleapis protos are missing from .tools/proto: run `make node` (or tools/buf-deps.sh)");
  process.exit(1);
}
rmSync(join(pkg, "src", "gen"), { recursive: true, force: true });
execFileSync(
  join(pkg, "node_modules", ".bin", "buf"),
  ["generate", "--template", "clients/node/buf.gen.yaml", "--path", "proto/botsift", "--path", ".tools/proto/google/rpc/error_details.proto"],
  { cwd: root, stdio: "inherit" },
);
