import { Disposable, MarkdownString, StatusBarAlignment, ThemeColor, window } from "vscode";

/** What the server sends in `numpyro/smokeTestResult` after a smoke test. */
export interface SmokeTestResult {
  device: string;
  verdict: "pass" | "warn" | "fail";
  uri?: string;
  model?: string;
  /** Whether the run has pictures (features/smoke_pictures.py). */
  pictures?: boolean;
}

const VERDICT_ICONS: Record<SmokeTestResult["verdict"], string> = {
  pass: "$(pass)",
  warn: "$(warning)",
  fail: "$(error)",
};

/** The status bar item: the server's state, then the device and verdict of the last smoke test. */
export class ServerStatus implements Disposable {
  private readonly item = window.createStatusBarItem("numpyro.status", StatusBarAlignment.Right, 100);
  private server = "";
  private smokeTest: SmokeTestResult | undefined;

  constructor() {
    this.item.name = "NumPyro";
    this.item.command = "numpyro.showOutput";
    this.item.show();
  }

  starting(python: string): void {
    this.show("$(loading~spin) NumPyro", `Starting numpyro-lsp with \`${python}\``);
  }

  running(version: string, python: string): void {
    this.server = `${version} on \`${python}\``;
    this.showRunning();
  }

  showSmokeTest(result: SmokeTestResult): void {
    this.smokeTest = result;
    this.showRunning();
  }

  failed(reason: string): void {
    this.show("$(warning) NumPyro", reason, new ThemeColor("statusBarItem.warningBackground"));
  }

  dispose(): void {
    this.item.dispose();
  }

  private showRunning(): void {
    const smokeTest = this.smokeTest;
    if (smokeTest === undefined) {
      this.show("$(check) NumPyro", this.server);
      return;
    }
    this.show(
      `${VERDICT_ICONS[smokeTest.verdict]} NumPyro: ${smokeTest.device} ${smokeTest.verdict}`,
      `${this.server}\n\nLast smoke test: **${smokeTest.verdict}** on ${smokeTest.device}`,
    );
  }

  private show(text: string, tooltip: string, background?: ThemeColor): void {
    this.item.text = text;
    this.item.tooltip = new MarkdownString(`${tooltip}\n\nClick to show the NumPyro output.`);
    this.item.backgroundColor = background;
  }
}
