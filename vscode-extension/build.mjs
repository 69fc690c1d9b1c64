// Bundles the extension with esbuild, copies the snippet file from the repo's snippets/ and,
// for a package (--production), builds the numpyro-lsp wheel the extension carries into
// bundled/: the extension installs it into an environment of its own on first start.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, rm } from "node:fs/promises";
import * as esbuild from "esbuild";

const production = process.argv.includes("--production");

await mkdir("snippets", { recursive: true });
await copyFile("../snippets/numpyro.code-snippets", "snippets/numpyro.code-snippets");

// The smoke test's pictures: uPlot from npm next to the renderer in the Python package (the
// HTML report inlines them, the wheel carries them), and the same files in media/ for the
// VS Code panel.
const pictures = "../server/numpyro_lsp/smoke/pictures";
await mkdir(`${pictures}/vendor`, { recursive: true });
await mkdir("media", { recursive: true });
for (const name of ["uPlot.iife.min.js", "uPlot.min.css"]) {
  await copyFile(`node_modules/uplot/dist/${name}`, `${pictures}/vendor/${name}`);
  await copyFile(`node_modules/uplot/dist/${name}`, `media/${name}`);
}
for (const name of ["report.js", "report.css"]) {
  await copyFile(`${pictures}/${name}`, `media/${name}`);
}
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

if (production) {
  // The checkout's development environment has the build backend; another Python builds the
  // wheel in an isolated environment of pip's.
  const venv = "../.venv/bin/python";
  const python = process.env.NUMPYRO_LSP_BUILD_PYTHON ?? (existsSync(venv) ? venv : "python3");
  const isolation = python === venv ? ["--no-build-isolation"] : [];
  await rm("bundled", { recursive: true, force: true });
  execFileSync(
    python,
    ["-m", "pip", "wheel", "--quiet", "--no-deps", ...isolation, "--wheel-dir", "bundled", ".."],
    { stdio: "inherit" },
  );
}
