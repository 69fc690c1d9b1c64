import { execFile } from "node:child_process";
import { homedir } from "node:os";
import { promisify } from "node:util";
import { Disposable, Event, extensions, Uri, workspace } from "vscode";
import { SECTION } from "./settings";

const PYTHON_EXTENSION_ID = "ms-python.python";

export interface Interpreter {
  path: string;
  source: "the numpyro.interpreter setting" | "the Python extension" | "PATH";
}

/** The part of the Python extension's API (ms-python.python) that we use. */
interface PythonEnvironments {
  getActiveEnvironmentPath(resource?: Uri): { path: string };
  resolveEnvironment(environment: { path: string }): Promise<{ executable: { uri?: Uri } } | undefined>;
  onDidChangeActiveEnvironmentPath: Event<unknown>;
}

async function pythonEnvironments(): Promise<PythonEnvironments | undefined> {
  // Typed as possibly undefined: an extension may export nothing.
  const extension = extensions.getExtension<{ environments?: PythonEnvironments } | undefined>(
    PYTHON_EXTENSION_ID,
  );
  if (extension === undefined) {
    return undefined;
  }
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    return api?.environments;
  } catch {
    return undefined; // a Python extension that fails to start: fall back to python3
  }
}

/**
 * The project's interpreter, the one with numpyro (the server runs the catalog builder and the
 * smoke test there): `numpyro.interpreter`, else the Python extension's, else `python3` on PATH.
 */
export async function resolveInterpreter(resource?: Uri): Promise<Interpreter> {
  const configured = workspace.getConfiguration(SECTION, resource).get<string>("interpreter", "").trim();
  if (configured) {
    return { path: expandPath(configured, resource), source: "the numpyro.interpreter setting" };
  }
  const environments = await pythonEnvironments();
  if (environments !== undefined) {
    const active = environments.getActiveEnvironmentPath(resource);
    const path = (await environments.resolveEnvironment(active))?.executable.uri?.fsPath;
    if (path) {
      return { path, source: "the Python extension" };
    }
  }
  return { path: "python3", source: "PATH" };
}

/** `~` and `${workspaceFolder}`, as in the Python extension's interpreter setting. */
export function expandPath(path: string, resource?: Uri): string {
  const folder = (resource && workspace.getWorkspaceFolder(resource)) ?? workspace.workspaceFolders?.[0];
  const expanded = path.replace(/^~(?=$|\/)/, homedir());
  return folder ? expanded.replaceAll("${workspaceFolder}", folder.uri.fsPath) : expanded;
}

/** Calls `listener` when the user picks another interpreter in the Python extension. */
export async function onPythonInterpreterChanged(listener: () => void): Promise<Disposable> {
  const environments = await pythonEnvironments();
  return environments?.onDidChangeActiveEnvironmentPath(listener) ?? Disposable.from();
}

export type ServerCheck =
  { installed: true; version: string } | { installed: false; interpreterFound: boolean; detail: string };

/** Whether the server command runs: `command ...args --version` (about 50 ms). */
export async function checkServer(command: string, args: string[]): Promise<ServerCheck> {
  try {
    const { stdout } = await promisify(execFile)(command, [...args, "--version"], {
      timeout: 30_000,
    });
    return { installed: true, version: stdout.trim() };
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    const interpreterFound = failure.code !== "ENOENT" && failure.code !== "EACCES";
    return { installed: false, interpreterFound, detail: (failure.stderr || failure.message).trim() };
  }
}
