import { commands, ConfigurationChangeEvent, ExtensionContext, window, workspace } from "vscode";
import { compareParameterizations } from "./advise";
import { onPythonInterpreterChanged } from "./interpreter";
import { NumpyroServer } from "./server";
import { ServerEnvironment } from "./serverEnvironment";
import { RESTART_SETTINGS, SECTION } from "./settings";
import { runSmokeTest } from "./smokeTest";
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
    workspace.onDidChangeConfiguration(onConfigurationChanged),
    workspace.onDidGrantWorkspaceTrust(() => numpyro.sendSettings()),
    await onPythonInterpreterChanged(onInterpreterChanged),
  );
  await numpyro.start();
}

export async function deactivate(): Promise<void> {
  await server?.stop();
}
