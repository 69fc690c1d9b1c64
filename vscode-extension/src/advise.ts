import { commands, window } from "vscode";
import type { NumpyroServer } from "./server";
import { modelAtCursor, smokeTestRefused } from "./smokeTest";

/** The server's command (workspace/executeCommand); its "Compare parameterizations" lenses call it too. */
export const ADVISE_COMMAND = "numpyro.advise";

/**
 * "Compare Parameterizations of the Model at the Cursor": the server's `numpyro.advise` with
 * [document URI, model name]. It runs the model's code like the smoke test, under the same
 * setting; the server reports progress per variant, the table, the advice and its diagnostics.
 */
export async function compareParameterizations(server: NumpyroServer): Promise<void> {
  const editor = window.activeTextEditor;
  if (editor === undefined || editor.document.languageId !== "python") {
    void window.showInformationMessage("NumPyro: open the Python file of the model to compare.");
    return;
  }
  if (smokeTestRefused()) {
    return;
  }
  if (!server.offers(ADVISE_COMMAND)) {
    void window.showWarningMessage(
      "NumPyro: the numpyro-lsp server in use has no parameterization advisor. Upgrade numpyro-lsp in its interpreter.",
    );
    return;
  }
  const model = modelAtCursor(editor.document, editor.selection.active.line);
  if (model === undefined) {
    void window.showInformationMessage("NumPyro: put the cursor inside the model function to compare.");
    return;
  }
  await commands.executeCommand(ADVISE_COMMAND, editor.document.uri.toString(), model);
}
