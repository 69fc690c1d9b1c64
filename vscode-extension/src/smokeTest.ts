import { commands, TextDocument, window, workspace } from "vscode";
import type { NumpyroServer } from "./server";
import { smokeTestAllowed } from "./settings";

/** The server's command (workspace/executeCommand); its code lenses call it too. */
export const SMOKE_TEST_COMMAND = "numpyro.smokeTest";

/** Says why the smoke test is off, when it is (untrusted workspace or setting); true then. */
export function smokeTestRefused(): boolean {
  if (smokeTestAllowed()) {
    return false;
  }
  const reason = workspace.isTrusted
    ? "is off (numpyro.smokeTest.enabled)"
    : "is off in untrusted workspaces";
  void window.showWarningMessage(`NumPyro: the NUTS smoke test runs your model's code, so it ${reason}.`);
  return true;
}

/**
 * "Run NUTS Smoke Test on the Model at the Cursor": the server's `numpyro.smokeTest` command
 * with [document URI, model name]. The server reports progress, the result and diagnostics.
 */
export async function runSmokeTest(server: NumpyroServer): Promise<void> {
  const editor = window.activeTextEditor;
  if (editor === undefined || editor.document.languageId !== "python") {
    void window.showInformationMessage("NumPyro: open the Python file of the model to test.");
    return;
  }
  if (smokeTestRefused()) {
    return;
  }
  if (!server.offers(SMOKE_TEST_COMMAND)) {
    void window.showWarningMessage(
      "NumPyro: the numpyro-lsp server in use has no smoke test. Upgrade numpyro-lsp in its interpreter.",
    );
    return;
  }
  const model = modelAtCursor(editor.document, editor.selection.active.line);
  if (model === undefined) {
    void window.showInformationMessage("NumPyro: put the cursor inside the model function to test.");
    return;
  }
  await commands.executeCommand(SMOKE_TEST_COMMAND, editor.document.uri.toString(), model);
}

/** The top-level function around `line`: the nearest unindented statement above must be its `def`. */
export function modelAtCursor(document: TextDocument, line: number): string | undefined {
  for (let number = line; number >= 0; number--) {
    const text = document.lineAt(number).text;
    // Blank lines, comments, indented lines and closing brackets belong to the statement above.
    if (/^\s*(#|$)|^[\s)\]}]/.test(text)) {
      continue;
    }
    return /^(?:async\s+)?def\s+(\w+)/.exec(text)?.[1];
  }
  return undefined;
}
