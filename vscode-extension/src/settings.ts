import { Uri, window, workspace } from "vscode";

/** Settings live in one table, package.json's `contributes.configuration`; this module only reads them. */
export const SECTION = "numpyro";

export type Settings = Record<string, unknown>;

/**
 * The `numpyro` section as the server receives it (initializationOptions and
 * workspace/didChangeConfiguration): every contributed setting with its value, except that
 * the smoke test is off where the workspace is not trusted, and the server's snippet
 * completions are off: the extension contributes the same snippet file, and VS Code would
 * list each snippet twice. The shape lens's trace on save runs the model's code: on in a
 * trusted workspace unless the user turned it off, never in an untrusted one.
 */
export function serverSettings(): Settings {
  const section = workspace.getConfiguration().get<Settings>(SECTION) ?? {};
  const settings = JSON.parse(JSON.stringify(section)) as Settings;
  settings.smokeTest = { ...(settings.smokeTest as Settings), enabled: smokeTestAllowed() };
  settings.snippets = { enabled: false };
  settings.shapes = { ...(settings.shapes as Settings), onSave: shapesOnSave() };
  return settings;
}

export function shapesOnSave(): boolean {
  const chosen = workspace.getConfiguration(SECTION).inspect<boolean>("shapes.onSave");
  const explicit = chosen?.workspaceFolderValue ?? chosen?.workspaceValue ?? chosen?.globalValue;
  return smokeTestAllowed() && (explicit ?? true);
}

export function smokeTestAllowed(): boolean {
  return workspace.isTrusted && workspace.getConfiguration(SECTION).get<boolean>("smokeTest.enabled", true);
}

/** Settings that change how the server process is started: changing one restarts it. */
export const RESTART_SETTINGS = [
  `${SECTION}.interpreter`,
  `${SECTION}.server.path`,
  `${SECTION}.server.args`,
];

export function serverArgs(resource?: Uri): string[] {
  return workspace.getConfiguration(SECTION, resource).get<string[]>("server.args", []);
}

/** The document whose folder's settings apply: the active editor's, else the first folder. */
export function activeResource(): Uri | undefined {
  return window.activeTextEditor?.document.uri ?? workspace.workspaceFolders?.[0]?.uri;
}
