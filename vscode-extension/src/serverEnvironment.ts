import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { LogOutputChannel, ProgressLocation, window } from "vscode";

const run = promisify(execFile);

/** Written last into the environment: the digest of the wheel installed there. */
const MARKER = "numpyro-lsp-wheel.sha256";
const INSTALL_TIMEOUT_MS = 10 * 60_000;

/**
 * The server's own Python environment, which the extension manages: a virtualenv in its global
 * storage holding numpyro-lsp from the wheel this extension carries (and that wheel's
 * dependencies, from the package index). It is made on first start, and again when the
 * extension brings another wheel. The project's environment is never touched: the server runs
 * what imports numpyro there, and needs only numpyro in it.
 */
export class ServerEnvironment {
  constructor(
    private readonly storage: string,
    private readonly bundled: string,
    private readonly log: LogOutputChannel,
  ) {}

  get python(): string {
    const folder = join(this.storage, "server-env");
    return process.platform === "win32"
      ? join(folder, "Scripts", "python.exe")
      : join(folder, "bin", "python");
  }

  /** The environment's interpreter, made first (with a progress notification) when due. */
  async ensure(basePythons: string[]): Promise<string> {
    const wheel = await this.wheel();
    const digest = createHash("sha256")
      .update(await readFile(wheel))
      .digest("hex");
    const marker = join(this.storage, "server-env", MARKER);
    if (existsSync(this.python) && (await readFile(marker, "utf8").catch(() => "")) === digest) {
      return this.python;
    }
    await window.withProgress(
      {
        location: ProgressLocation.Notification,
        title: "NumPyro: setting up the language server's environment (first start, about a minute)",
      },
      async () => {
        const base = await this.basePython(basePythons);
        const folder = join(this.storage, "server-env");
        this.log.info(`Creating the server's environment in ${folder} with ${base}`);
        await rm(folder, { recursive: true, force: true });
        await mkdir(this.storage, { recursive: true });
        await this.step(base, ["-m", "venv", folder]);
        await this.step(this.python, ["-m", "pip", "install", "--disable-pip-version-check", wheel]);
        await writeFile(marker, digest);
      },
    );
    return this.python;
  }

  private async wheel(): Promise<string> {
    const wheels = (await readdir(this.bundled).catch(() => [])).filter((name) => name.endsWith(".whl"));
    if (wheels.length !== 1) {
      throw new Error(
        `the extension should carry one numpyro-lsp wheel in ${this.bundled}, found ${wheels.length}`,
      );
    }
    return join(this.bundled, wheels[0]);
  }

  /** The first of `candidates` that is Python 3.11 or newer (numpyro-lsp needs it). */
  private async basePython(candidates: string[]): Promise<string> {
    const code = "import sys; print(sys.version_info >= (3, 11))";
    for (const candidate of candidates) {
      try {
        const { stdout } = await run(candidate, ["-c", code], { timeout: 30_000 });
        if (stdout.trim() === "True") {
          return candidate;
        }
        this.log.info(`${candidate} is older than Python 3.11`);
      } catch (error) {
        this.log.info(`${candidate} did not run: ${String(error)}`);
      }
    }
    throw new Error(
      `the language server needs Python 3.11 or newer to run, and none of ${candidates.join(", ")} is. ` +
        "Install Python 3.11 or newer, or set numpyro.server.path to a numpyro-lsp you installed (pipx install numpyro-lsp).",
    );
  }

  private async step(command: string, args: string[]): Promise<void> {
    this.log.info(`${command} ${args.join(" ")}`);
    try {
      const { stdout, stderr } = await run(command, args, {
        timeout: INSTALL_TIMEOUT_MS,
        maxBuffer: 16 << 20,
      });
      // pip's whole account is for the curious (log level Debug); the steps and errors show.
      this.log.debug(`${stdout}${stderr}`.trim());
    } catch (error) {
      const failure = error as Error & { stderr?: string };
      this.log.error(failure.stderr ?? failure.message);
      const last = (failure.stderr ?? failure.message).trim().split("\n").slice(-1)[0];
      throw new Error(`\`${command} ${args.slice(0, 3).join(" ")}\` failed: ${last}`, { cause: error });
    }
  }
}
