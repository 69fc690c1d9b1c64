import { commands, LogOutputChannel, ProgressLocation, window } from "vscode";
import {
  DidChangeConfigurationNotification,
  ExecuteCommandSignature,
  LanguageClient,
  State,
  TransportKind,
} from "vscode-languageclient/node";
import { checkServer, hasPythonExtension, Interpreter, resolveInterpreter } from "./interpreter";
import { activeResource, SECTION, serverArgs, serverSettings } from "./settings";
import { SMOKE_TEST_COMMAND, smokeTestRefused } from "./smokeTest";
import { ServerStatus, SmokeTestResult } from "./status";

/** A server-side command (workspace/executeCommand) that the extension adds UI around. */
const REBUILD_CATALOG_COMMAND = "numpyro.rebuildCatalog";
const SMOKE_TEST_RESULT_NOTIFICATION = "numpyro/smokeTestResult";
/** A context key for `when` clauses. */
const RUNNING_CONTEXT = "numpyro.serverRunning";

/** What `numpyro.rebuildCatalog` answers (on failure the server shows the error itself). */
interface RebuildResult {
  ok: boolean;
  numpyroVersion?: string;
}

/** Starts, restarts and stops `<interpreter> -m numpyro_lsp` through a language client. */
export class NumpyroServer {
  private client: LanguageClient | undefined;
  /** Starts and stops run one at a time, in the order asked (settings can change mid-start). */
  private lifecycle: Promise<void> = Promise.resolve();

  constructor(
    private readonly log: LogOutputChannel,
    private readonly status: ServerStatus,
  ) {}

  start(): Promise<void> {
    return this.inTurn(() => this.startClient());
  }

  stop(): Promise<void> {
    return this.inTurn(() => this.stopClient());
  }

  restart(): Promise<void> {
    return this.inTurn(async () => {
      await this.stopClient();
      await this.startClient();
    });
  }

  /** Sends the settings again (workspace/didChangeConfiguration) after a change or trust grant. */
  async sendSettings(): Promise<void> {
    if (this.client?.isRunning()) {
      await this.client.sendNotification(DidChangeConfigurationNotification.type, {
        settings: { [SECTION]: serverSettings() },
      });
    }
  }

  /** Whether the running server offers this workspace/executeCommand command. */
  offers(command: string): boolean {
    const commands = this.client?.initializeResult?.capabilities.executeCommandProvider?.commands;
    return commands?.includes(command) ?? false;
  }

  private inTurn(task: () => Promise<void>): Promise<void> {
    this.lifecycle = this.lifecycle.then(task, task);
    return this.lifecycle;
  }

  private async startClient(): Promise<void> {
    const resource = activeResource();
    const interpreter = await resolveInterpreter(resource);
    this.status.starting(interpreter.path);
    const check = await checkServer(interpreter.path);
    if (!check.installed) {
      const problem = check.interpreterFound
        ? `numpyro-lsp is not installed for ${interpreter.path} (from ${interpreter.source}).`
        : `The Python interpreter ${interpreter.path} (from ${interpreter.source}) was not found.`;
      this.log.error(`${problem}\n${check.detail}`);
      this.status.failed(problem);
      void offerFix(problem, interpreter, check.interpreterFound);
      return;
    }
    this.log.info(`Starting ${check.version} with ${interpreter.path} (from ${interpreter.source})`);
    const client = new LanguageClient(
      SECTION,
      "NumPyro",
      {
        command: interpreter.path,
        args: ["-m", "numpyro_lsp", ...serverArgs(resource)],
        transport: TransportKind.stdio,
      },
      {
        documentSelector: [
          { scheme: "file", language: "python" },
          { scheme: "untitled", language: "python" },
        ],
        outputChannel: this.log,
        initializationOptions: serverSettings(),
        middleware: { executeCommand: (command, args, next) => this.executeCommand(command, args, next) },
      },
    );
    client.onDidChangeState(({ newState }) => {
      void commands.executeCommand("setContext", RUNNING_CONTEXT, newState === State.Running);
      if (newState === State.Running) {
        this.status.running(check.version, interpreter.path);
      } else if (newState === State.Stopped && this.client === client) {
        this.status.failed("The server stopped. The NumPyro output says why.");
      }
    });
    client.onNotification(SMOKE_TEST_RESULT_NOTIFICATION, (result: SmokeTestResult) => {
      this.status.showSmokeTest(result);
    });
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      this.log.error(`The server did not start: ${String(error)}`);
    }
  }

  private async stopClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.dispose();
  }

  private async executeCommand(
    command: string,
    args: unknown[],
    next: ExecuteCommandSignature,
  ): Promise<unknown> {
    if (command === SMOKE_TEST_COMMAND && smokeTestRefused()) {
      return undefined;
    }
    if (command === REBUILD_CATALOG_COMMAND) {
      const result = await window.withProgress(
        {
          location: ProgressLocation.Notification,
          title: "NumPyro: rebuilding the catalog from the installed numpyro",
        },
        async () => (await next(command, args)) as RebuildResult | undefined,
      );
      if (result?.ok) {
        void window.showInformationMessage(`NumPyro: catalog rebuilt for numpyro ${result.numpyroVersion}.`);
      }
      return result;
    }
    return next(command, args);
  }
}

/** The notification for a missing server or interpreter, with buttons that fix it. */
async function offerFix(problem: string, interpreter: Interpreter, interpreterFound: boolean): Promise<void> {
  const python = /\s/.test(interpreter.path) ? `"${interpreter.path}"` : interpreter.path;
  const install = `${python} -m pip install numpyro-lsp`;
  const actions = [
    ...(interpreterFound ? ["Install in Terminal"] : []),
    ...(hasPythonExtension() ? ["Select Interpreter"] : []),
    "Open Settings",
  ];
  const how = interpreterFound
    ? `Install it (${install}) or choose an interpreter that has it, then restart the server.`
    : "Set numpyro.interpreter to a Python that has numpyro-lsp.";
  const choice = await window.showErrorMessage(`NumPyro: ${problem} ${how}`, ...actions);
  if (choice === "Install in Terminal") {
    const terminal = window.createTerminal("NumPyro: install numpyro-lsp");
    terminal.show();
    terminal.sendText(install);
  } else if (choice === "Select Interpreter") {
    await commands.executeCommand("python.setInterpreter");
  } else if (choice === "Open Settings") {
    await commands.executeCommand("workbench.action.openSettings", `${SECTION}.interpreter`);
  }
}
