import { randomBytes } from "node:crypto";
import { Disposable, Uri, ViewColumn, WebviewPanel, window } from "vscode";

/** The server's command: the last run's pictures of a model (its code lens calls it too). */
export const PICTURES_COMMAND = "numpyro.smokePictures";
/** The server's notification when "Show plots" is pressed on a run's summary. */
export const SHOW_PICTURES_NOTIFICATION = "numpyro/showSmokePictures";
/** Declared in the client's capabilities: the server then offers the panel, not a document. */
export const PANEL_CAPABILITY = "numpyroPicturesPanel";

/**
 * What `numpyro.smokePictures` answers and `numpyro/showSmokePictures` carries; after a
 * parameterization advice, the notification carries its per-variant table too (`advice`, what
 * `numpyro.advise` answers), with or without a run's pictures.
 */
export interface PicturesData {
  uri: string;
  model: string;
  title: string;
  summary: string;
  pictures: unknown;
  advice?: unknown;
}

export function isPicturesData(value: unknown): value is PicturesData {
  const data = value as Partial<PicturesData> | undefined;
  return (
    typeof data?.uri === "string" &&
    typeof data.model === "string" &&
    (Boolean(data.pictures) || Boolean(data.advice))
  );
}

/**
 * The smoke test's pictures in a webview: the server's renderer (media/report.js, copied from
 * the Python package by build.mjs) and uPlot, local files only, under a strict policy (scripts
 * by nonce and from the extension, no network). One panel per model; it is redrawn when a new
 * run of that model finishes, and opened with the advice's table after "Compare
 * Parameterizations".
 */
export class PicturesPanels implements Disposable {
  private readonly panels = new Map<string, WebviewPanel>();
  /** Per panel: the data it shows, and whether its page listens yet. */
  private readonly latest = new Map<string, PicturesData>();
  private readonly ready = new Map<string, boolean>();

  constructor(
    private readonly media: Uri,
    private readonly fetch: (uri: string, model: string) => Promise<unknown>,
  ) {}

  show(data: PicturesData): void {
    const key = `${data.uri}#${data.model}`;
    let panel = this.panels.get(key);
    if (panel === undefined) {
      // Beside the file, which keeps the focus: the user goes on typing.
      panel = window.createWebviewPanel(
        "numpyro.smokePictures",
        data.title,
        { viewColumn: ViewColumn.Beside, preserveFocus: true },
        {
          enableScripts: true,
          localResourceRoots: [this.media],
          retainContextWhenHidden: true,
        },
      );
      // A new page gets its data once it listens (it says "ready"): a message posted before
      // may be lost.
      const opened = panel;
      this.ready.set(key, false);
      opened.webview.onDidReceiveMessage((message: { type?: string } | undefined) => {
        if (message?.type === "ready") {
          this.ready.set(key, true);
          void opened.webview.postMessage({ type: "report", data: this.latest.get(key) });
        }
      });
      opened.webview.html = this.page(opened);
      opened.onDidDispose(() => {
        this.panels.delete(key);
        this.latest.delete(key);
        this.ready.delete(key);
      });
      this.panels.set(key, opened);
    } else {
      panel.reveal(undefined, true);
    }
    this.post(key, panel, data);
  }

  private post(key: string, panel: WebviewPanel, data: PicturesData): void {
    panel.title = data.title;
    this.latest.set(key, data);
    if (this.ready.get(key) === true) {
      void panel.webview.postMessage({ type: "report", data });
    }
  }

  /** A run of `model` finished: its open panel shows the new run. */
  async refresh(uri: string, model: string): Promise<void> {
    const panel = this.panels.get(`${uri}#${model}`);
    if (panel === undefined) {
      return;
    }
    const data = await this.fetch(uri, model);
    if (isPicturesData(data)) {
      this.post(`${uri}#${model}`, panel, data);
    }
  }

  dispose(): void {
    this.panels.forEach((panel) => {
      panel.dispose();
    });
    this.panels.clear();
    this.latest.clear();
    this.ready.clear();
  }

  private page(panel: WebviewPanel): string {
    const webview = panel.webview;
    const nonce = randomBytes(16).toString("base64");
    const file = (name: string): string => webview.asWebviewUri(Uri.joinPath(this.media, name)).toString();
    const policy = [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
    ].join("; ");
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<link rel="stylesheet" href="${file("uPlot.min.css")}">
<link rel="stylesheet" href="${file("report.css")}">
</head><body>
<main id="report"></main>
<script nonce="${nonce}" src="${file("uPlot.iife.min.js")}"></script>
<script nonce="${nonce}" src="${file("report.js")}"></script>
<script nonce="${nonce}">
window.addEventListener("message", (event) => {
  if (event.data && event.data.type === "report") {
    window.numpyroSmokeReport.render(event.data.data, document.getElementById("report"));
  }
});
acquireVsCodeApi().postMessage({ type: "ready" });
</script>
</body></html>`;
  }
}
