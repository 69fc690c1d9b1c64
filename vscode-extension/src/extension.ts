import { commands, ConfigurationChangeEvent, ExtensionContext, Uri, window, workspace } from "vscode";
import { compareParameterizations } from "./advise";
import { PICTURES_COMMAND, PicturesPanels } from "./pictures";
import { onPythonInterpreterChanged } from "./interpreter";
import { NumpyroServer } from "./server";
import { ServerEnvironment } from "./serverEnvironment";
import { RESTART_SETTINGS, SECTION } from "./settings";
import { modelAtCursor, runSmokeTest } from "./smokeTest";
import { ServerStatus } from "./status";

let server: NumpyroServer | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
  const log = window.createOutputChannel("NumPyro", { log: true });
  const status = new ServerStatus();
  const environment = new ServerEnvironment(
    context.globalStorageUri.fsPath,
    context.asAbsolutePath("bundled"),
    log,
  );
  const numpyro = new NumpyroServer(log, status, environment);
  server = numpyro;
  const pictures = new PicturesPanels(Uri.joinPath(context.extensionUri, "media"), (uri, model) =>
    numpyro.request(PICTURES_COMMAND, [uri, model]),
  );
  numpyro.onPictures = (data) => {
    pictures.show(data);
  };
  numpyro.onSmokeTestResult = (result) => {
    if (result.uri !== undefined && result.model !== undefined && result.pictures === true) {
      void pictures.refresh(result.uri, result.model);
    }
  };

  const onConfigurationChanged = (event: ConfigurationChangeEvent): void => {
    if (RESTART_SETTINGS.some((setting) => event.affectsConfiguration(setting))) {
      void numpyro.restart();
    } else if (event.affectsConfiguration(SECTION)) {
      void numpyro.sendSettings();
    }
  };
  const onInterpreterChanged = (): void => {
    if (!workspace.getConfiguration(SECTION).get<string>("interpreter")) {
      void numpyro.restart();
    }
  };

  context.subscriptions.push(
    log,
    status,
    commands.registerCommand("numpyro.restartServer", () => numpyro.restart()),
    commands.registerCommand("numpyro.showOutput", () => {
      log.show();
    }),
    commands.registerCommand("numpyro.runSmokeTest", () => runSmokeTest(numpyro)),
    commands.registerCommand("numpyro.compareParameterizations", () => compareParameterizations(numpyro)),
    pictures,
    commands.registerCommand("numpyro.showSmokePictures", () => {
      const editor = window.activeTextEditor;
      const model = editor && modelAtCursor(editor.document, editor.selection.active.line);
      if (editor === undefined || model === undefined) {
        void window.showInformationMessage("NumPyro: put the cursor inside the model whose plots to show.");
        return;
      }
      void commands.executeCommand(PICTURES_COMMAND, editor.document.uri.toString(), model);
    }),
    workspace.onDidChangeConfiguration(onConfigurationChanged),
    workspace.onDidGrantWorkspaceTrust(() => numpyro.sendSettings()),
    await onPythonInterpreterChanged(onInterpreterChanged),
  );
  await numpyro.start();
}

export async function deactivate(): Promise<void> {
  await server?.stop();
}
