import { commands, LogOutputChannel, ProgressLocation, Uri, window, workspace } from "vscode";
import {
  DidChangeConfigurationNotification,
  ExecuteCommandSignature,
  LanguageClient,
  State,
  TransportKind,
} from "vscode-languageclient/node";
import { checkServer, expandPath, Interpreter, resolveInterpreter } from "./interpreter";
import { ServerEnvironment } from "./serverEnvironment";
import { activeResource, SECTION, serverArgs, serverSettings } from "./settings";
import {
  isPicturesData,
  PANEL_CAPABILITY,
  PICTURES_COMMAND,
  PicturesData,
  SHOW_PICTURES_NOTIFICATION,
} from "./pictures";
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

/** How the server process is started. */
interface ServerCommand {
  command: string;
  args: string[];
  /** Where it comes from, for messages. */
  source: string;
}

/**
 * Starts, restarts and stops the server through a language client: `numpyro.server.path` when
 * set, else `python -m numpyro_lsp` in the environment the extension manages for it. The
 * project's interpreter is handed to the server as the `interpreter` initialization option.
 */
export class NumpyroServer {
  private client: LanguageClient | undefined;
  /** Starts and stops run one at a time, in the order asked (settings can change mid-start). */
  private lifecycle: Promise<void> = Promise.resolve();

  /** Opens or redraws the pictures panel (set by the extension). */
  onPictures: ((data: PicturesData) => void) | undefined;
  /** A run finished: the pictures panel of that model, if open, redraws. */
  onSmokeTestResult: ((result: SmokeTestResult) => void) | undefined;

  constructor(
    private readonly log: LogOutputChannel,
    private readonly status: ServerStatus,
    private readonly environment: ServerEnvironment,
  ) {}

  /** The server's answer to a command, or undefined when it is not running. */
  async request(command: string, args: unknown[]): Promise<unknown> {
    return this.client?.sendRequest("workspace/executeCommand", { command, arguments: args });
  }

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
    let server: ServerCommand;
    try {
      server = await this.serverCommand(interpreter, resource);
    } catch (error) {
      const problem = `The language server could not be set up: ${(error as Error).message}`;
      this.log.error(problem);
      this.status.failed(problem);
      void offerFix(problem);
      return;
    }
    const check = await checkServer(server.command, server.args);
    if (!check.installed) {
      const problem = check.interpreterFound
        ? `numpyro-lsp did not run (${server.command}, from ${server.source}).`
        : `${server.command} (from ${server.source}) was not found.`;
      this.log.error(`${problem}\n${check.detail}`);
      this.status.failed(problem);
      void offerFix(problem);
      return;
    }
    this.log.info(
      `Starting ${check.version} (${server.source}) for the project interpreter ${interpreter.path} (from ${interpreter.source})`,
    );
    const client = new LanguageClient(
      SECTION,
      "NumPyro",
      {
        command: server.command,
        args: [...server.args, ...serverArgs(resource)],
        transport: TransportKind.stdio,
      },
      {
        documentSelector: [
          { scheme: "file", language: "python" },
          { scheme: "untitled", language: "python" },
          // Python cells of Jupyter notebooks: synced as LSP notebook documents (the server
          // advertises notebookDocumentSync) and served like files.
          { notebook: "jupyter-notebook", language: "python" },
        ],
        outputChannel: this.log,
        initializationOptions: { ...serverSettings(), interpreter: interpreter.path },
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
      this.onSmokeTestResult?.(result);
    });
    client.onNotification(SHOW_PICTURES_NOTIFICATION, (data: unknown) => {
      if (isPicturesData(data)) {
        this.onPictures?.(data);
      }
    });
    // The server offers the pictures panel (a button on the summary) instead of a document.
    client.registerFeature({
      fillClientCapabilities: (capabilities) => {
        const experimental = (capabilities.experimental ?? {}) as Record<string, unknown>;
        capabilities.experimental = { ...experimental, [PANEL_CAPABILITY]: true };
      },
      initialize: () => undefined,
      getState: () => ({ kind: "static" }),
      clear: () => undefined,
    });
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      this.log.error(`The server did not start: ${String(error)}`);
    }
  }

  /** `numpyro.server.path`, else the managed environment (made first, if due). */
  private async serverCommand(interpreter: Interpreter, resource: Uri | undefined): Promise<ServerCommand> {
    const configured = workspace.getConfiguration(SECTION, resource).get<string>("server.path", "").trim();
    if (configured) {
      return {
        command: expandPath(configured, resource),
        args: [],
        source: "the numpyro.server.path setting",
      };
    }
    const basePythons = [interpreter.path, "python3", "python"];
    const python = await this.environment.ensure(basePythons);
    return { command: python, args: ["-m", "numpyro_lsp"], source: "the extension's environment" };
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
    if (command === PICTURES_COMMAND) {
      // The "Show plots" lens and the palette command: the answer opens the panel.
      const data: unknown = await next(command, args);
      if (isPicturesData(data)) {
        this.onPictures?.(data);
      }
      return data;
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

/** The notification when the server cannot start, with the ways to look into it. */
async function offerFix(problem: string): Promise<void> {
  const choice = await window.showErrorMessage(`NumPyro: ${problem}`, "Show Output", "Open Settings");
  if (choice === "Show Output") {
    await commands.executeCommand("numpyro.showOutput");
  } else if (choice === "Open Settings") {
    await commands.executeCommand("workbench.action.openSettings", SECTION);
  }
}
