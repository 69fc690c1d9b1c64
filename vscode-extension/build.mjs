// Bundles the extension with esbuild and copies the snippet file from the repo's snippets/.
import { copyFile, mkdir } from "node:fs/promises";
import * as esbuild from "esbuild";

const production = process.argv.includes("--production");

await mkdir("snippets", { recursive: true });
await copyFile("../snippets/numpyro.code-snippets", "snippets/numpyro.code-snippets");
await esbuild.build({
  entryPoints: ["src/extension.ts"],
  outfile: "dist/extension.js",
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: ["vscode"],
  minify: production,
  sourcemap: !production,
  logLevel: "warning",
});
