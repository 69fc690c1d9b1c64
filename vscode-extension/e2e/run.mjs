// End-to-end test of the extension in a real VS Code: code-server in Debian's headless
// Chromium, driven by Playwright like a person would (docs/vscode-e2e.md in shared/ has the
// recipe). scripts/e2e.sh installs what it needs and runs this; see --help.
//
// Each step is a function of the `Workbench` below; a screenshot is saved after every step and
// on failure in e2e/results/. Steps for server features that have not landed yet (diagnostics
// in Problems, the LocScaleReparam code action, the smoke test) are added the same way.

import { spawn, spawnSync } from "node:child_process";
import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, "../..");
const RESULTS = join(HERE, "results");
const README_IMAGES = resolve(HERE, "../images");

const USAGE = `usage: node e2e/run.mjs --code-server DIR --vsix FILE --python FILE [--update-images]
  --code-server  the code-server package folder (run with this Node, which must be Node 24)
  --vsix         the packaged extension to install
  --python       the project's interpreter: numpyro and its jax only (becomes numpyro.interpreter);
                 the extension sets up the server's own environment on first start
  --chromium     the browser (default /usr/bin/chromium)
  --update-images  copy the README's screenshots into vscode-extension/images/`;

// A second file in the workspace, for the hover on handlers.reparam.
const REPARAM_FILE = `import numpyro
from numpyro import handlers
from numpyro.infer.reparam import LocScaleReparam

from eight_schools import eight_schools

noncentered = handlers.reparam(eight_schools, config={"theta": LocScaleReparam(centered=0)})
`;

// A notebook (VS Code's built-in ipynb support, no kernel): the model in the first cell, data
// with an IPython magic in the second, uses of the model's sites in the third.
const NOTEBOOK_CELLS = [
  `import numpyro
import numpyro.distributions as dist
from numpyro import handlers


def model(J, sigma, y=None):
    mu = numpyro.sample("mu", dist.Normal(0, 5))
    tau = numpyro.sample("tau", dist.HalfCauchy(5))
    with numpyro.plate("J", J):
        theta = numpyro.sample("theta", dist.Normal(mu, tau))
        numpyro.sample("obs", dist.Normal(theta, sigma), obs=y)`,
  `%matplotlib inline
J = 8
sigma = [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0]`,
  `fixed = handlers.substitute(model, data={"theta": 0.0})
conditioned = handlers.condition(model, data={"thetta": 0.0})`,
];

function notebookJson(cells) {
  return JSON.stringify(
    {
      cells: cells.map((text) => ({
        cell_type: "code",
        execution_count: null,
        metadata: {},
        outputs: [],
        source: text.split(/(?<=\n)/),
      })),
      metadata: {
        kernelspec: { display_name: "Python 3", language: "python", name: "python3" },
        language_info: { name: "python" },
      },
      nbformat: 4,
      nbformat_minor: 5,
    },
    null,
    1,
  );
}

// The steps, in order: [name, function, README screenshot or undefined].
const STEPS = [
  ["untrusted workspace: the server starts, the smoke test is refused", openUntrusted, undefined],
  ["trusting the workspace", trustWorkspace, undefined],
  ["completion after dist. lists Normal with its docs", completeDistNormal, "completion.png"],
  [
    "completion lists the project's numpyro's distributions (0.18: Levy, no InverseWishart)",
    completeProjectVersion,
    undefined,
  ],
  ["signature help inside dist.Normal(", signatureHelp, "signature-help.png"],
  ["hover on handlers.reparam shows its docs", hoverReparam, "hover.png"],
  ["a broken model shows its diagnostic with the rule code in Problems", problems, "problems.png"],
  ["the LocScaleReparam code action from the lightbulb rewrites the file", nonCenter, "code-action.png"],
  ["the snippet np_8schools inserts the model", insertSnippet, undefined],
  ["site names of the model complete inside condition(data={...})", siteNames, "site-names.png"],
  [
    "with an unfinished line in another function, the lightbulb still rewrites the centered site",
    nonCenterWhileTyping,
    undefined,
  ],
  ["NumPyro: Rebuild Catalog reports the numpyro version", rebuildCatalog, undefined],
  ["NumPyro: Restart Server starts it again; Show Output shows its log", restartServer, undefined],
  [
    "the NUTS smoke test shows progress, a result and the verdict in the status bar",
    smokeTest,
    "smoke-test.png",
  ],
  [
    "the smoke test's Show plots button opens the pictures: the centered model's divergent draws in the pair plot",
    smokePictures,
    "smoke-pictures.png",
  ],
  ["the pictures panel closes", closePictures, undefined],
  ["the smoke test runs the model while another function is half typed", smokeTestWhileTyping, undefined],
  ["notebook: completion after dist. in a cell", notebookCompletion, "notebook-completion.png"],
  [
    "notebook: a diagnostic in the third cell about the model of the first, in Problems",
    notebookDiagnostic,
    "notebook-problems.png",
  ],
  [
    "notebook: the LocScaleReparam lightbulb on a centered site in a cell, applied",
    notebookNonCenter,
    "notebook-code-action.png",
  ],
  ["notebook: renaming a site renames it in both cells", notebookRename, "notebook-rename.png"],
  ["notebook: reverted and closed", closeNotebook, undefined],
  [
    "Compare Parameterizations advises non-centering theta, with its diagnostic in Problems and its table in the panel",
    compareParameterizations,
    undefined,
  ],
  [
    "saving in a trusted workspace shows inlay shapes; the site hover shows the model's table",
    shapeLens,
    "shapes.png",
  ],
  [
    "a project interpreter without numpyro gets a notification that says what to do",
    missingNumpyro,
    "missing-numpyro.png",
  ],
];

async function openUntrusted(vscode) {
  await vscode.openFile("eight_schools.py");
  await vscode.waitForEditorText("def eight_schools(J, sigma, y=None):");
  // The first start makes the server's environment (pip installs the wheel the .vsix carries).
  await vscode.waitForNotification(/setting up the language server's environment/, 60_000);
  await vscode.waitForStatus(/check.*NumPyro/, 300_000);
  await vscode.goToEndOfLine("tau = numpyro.sample");
  await vscode.runCommand("NumPyro: Run NUTS Smoke Test on the Model at the Cursor");
  await vscode.waitForNotification(/smoke test runs your model's code, so it is off in untrusted workspaces/);
}

async function trustWorkspace(vscode) {
  await vscode.runCommand("Notifications: Clear All Notifications");
  await vscode.runCommand("Workspaces: Manage Workspace Trust");
  await vscode.page.getByRole("button", { name: "Trust", exact: true }).click();
  await vscode.page.getByText("Restricted Mode").first().waitFor({ state: "hidden" });
  await vscode.runCommand("View: Close All Editors");
  await vscode.openFile("eight_schools.py");
  await vscode.waitForStatus(/check.*NumPyro/);
}

async function completeDistNormal(vscode) {
  await vscode.goToEndOfLine("tau = numpyro.sample");
  await vscode.page.keyboard.press("Enter");
  await vscode.page.keyboard.type("sigma_school = dist.Norm");
  const row = vscode.page.locator(".suggest-widget .monaco-list-row", { hasText: /^Normal/ }).first();
  await row.waitFor({ timeout: 30_000 });
  await vscode.showSuggestDetails();
  await vscode.waitForText(".suggest-details", "scale");
  await vscode.waitForText(".suggest-details", "positive");
}

async function completeProjectVersion(vscode) {
  await vscode.page.keyboard.press("Escape");
  await vscode.selectLineContent();
  await vscode.page.keyboard.type("sigma_school = dist.Lev");
  await vscode.page.locator(".suggest-widget .monaco-list-row", { hasText: /^Levy/ }).first().waitFor();
  await vscode.page.keyboard.press("Escape");
  await vscode.selectLineContent();
  await vscode.page.keyboard.type("sigma_school = dist.Inverse");
  const rows = vscode.page.locator(".suggest-widget .monaco-list-row");
  await rows
    .filter({ hasText: /^InverseGamma/ })
    .first()
    .waitFor();
  const labels = await rows.allTextContents();
  if (labels.some((label) => label.startsWith("InverseWishart"))) {
    throw new Error(`numpyro 0.18 has no InverseWishart, yet it is offered: ${labels}`);
  }
}

async function signatureHelp(vscode) {
  await vscode.page.keyboard.press("Escape");
  await vscode.selectLineContent();
  await vscode.page.keyboard.type("sigma_school = dist.Normal(0, ");
  await vscode.waitForText(".parameter-hints-widget", "scale: positive");
  await vscode.waitForText(".parameter-hints-widget .parameter.active", /scale/);
}

async function hoverReparam(vscode) {
  await vscode.page.keyboard.press("Escape");
  await vscode.runCommand("File: Revert File");
  await vscode.openFile("reparam_example.py");
  await vscode.waitForEditorText("handlers.reparam(");
  await vscode.hover("handlers.reparam", "reparam", ".monaco-hover", "effect handler");
}

/** The cursor on the empty last line of eight_schools.py (the file ends with a newline). */
async function endOfEightSchools(vscode) {
  await vscode.page.mouse.move(0, 0);
  await vscode.page.locator(".tab", { hasText: "eight_schools.py" }).click();
  await vscode.page.locator(".tab.active", { hasText: "eight_schools.py" }).waitFor();
  await vscode.page.keyboard.press("Control+End");
}

async function problems(vscode) {
  await endOfEightSchools(vscode);
  await vscode.page.keyboard.type("prior = dist.HalfNormal(-1)");
  await vscode.runCommand("View: Focus Problems");
  await vscode.waitForText(".markers-panel", "NPR011");
  await vscode.waitForText(".markers-panel", "must be positive");
}

/** The lightbulb (Ctrl+.) on the centered `theta`: its LocScaleReparam action, applied. */
async function nonCenterThetaFromTheLightbulb(vscode) {
  await vscode.goToEndOfLine('theta = numpyro.sample("theta"');
  await vscode.page.keyboard.press("Home");
  await vscode.page.keyboard.press("Control+.");
  const action = vscode.page.locator(".action-widget .monaco-list-row", {
    hasText: "Non-center `theta` with LocScaleReparam",
  });
  await action.first().waitFor({ timeout: 30_000 });
  await action.first().click();
  await vscode.waitForEditorText("LocScaleReparam(centered=0)");
}

async function nonCenter(vscode) {
  await vscode.runCommand("File: Revert File");
  await vscode.runCommand("View: Focus Active Editor Group");
  await nonCenterThetaFromTheLightbulb(vscode);
}

async function insertSnippet(vscode) {
  // Undo the code action of the step before (the file may have been saved since).
  await vscode.runCommand("View: Focus Active Editor Group");
  await vscode.page.keyboard.press("Control+Z");
  await vscode.page.waitForFunction(
    () => !document.querySelector(".monaco-editor .view-lines").textContent.includes("LocScaleReparam"),
  );
  await vscode.goToLastLine();
  await vscode.page.keyboard.type("np_8schools");
  await vscode.page.keyboard.press("Control+Space");
  // np_8schools_locscale and np_8schools_transform are listed too; the exact match comes first.
  const row = vscode.page.locator(".suggest-widget .monaco-list-row", { hasText: "np_8schools" });
  await row.first().waitFor();
  // Listed once: the extension contributes the snippet file and turns the server's off.
  const labels = await row.allTextContents();
  const exact = labels.filter((text) => /np_8schools(?!_)/.test(text));
  if (exact.length !== 1) throw new Error(`np_8schools listed ${exact.length} times: ${labels}`);
  await vscode.page.keyboard.press("Enter");
  await vscode.waitForEditorText('theta = numpyro.sample("theta", dist.Normal(mu, tau))');
  await vscode.page.keyboard.press("Escape");
  await vscode.runCommand("File: Revert File");
}

async function siteNames(vscode) {
  await vscode.goToLastLine();
  // VS Code closes the brace and the quote: the server completes between the quotes.
  await vscode.page.keyboard.type('conditioned = numpyro.handlers.condition(eight_schools, data={"');
  const row = vscode.page.locator(".suggest-widget .monaco-list-row", { hasText: "theta" });
  await row.first().waitFor({ timeout: 30_000 });
  await vscode.waitForText(".suggest-widget", "tau");
}

/** A new function at the end of the file, left unfinished at `a = dist.` (as typed). */
async function typeUnfinishedFunction(vscode) {
  await endOfEightSchools(vscode);
  // Typed Enter could accept a completion: the header and its line break go in at once,
  // and the editor indents the new line.
  await vscode.page.keyboard.insertText("def probe():\n");
  await vscode.page.keyboard.type("a = dist.");
  await vscode.waitForEditorText("a = dist.");
  // The completion list after `dist.`: close it only once it shows.
  await vscode.page.locator(".suggest-widget .monaco-list-row").first().waitFor({ timeout: 30_000 });
  await vscode.page.keyboard.press("Escape");
}

async function nonCenterWhileTyping(vscode) {
  await vscode.page.keyboard.press("Escape");
  await vscode.runCommand("File: Revert File");
  await typeUnfinishedFunction(vscode);
  await nonCenterThetaFromTheLightbulb(vscode);
  // The line being typed is still there, as it was (the editor renders only what is in view).
  await vscode.page.keyboard.press("Control+End");
  await vscode.waitForEditorText("a = dist.");
  await vscode.runCommand("File: Revert File");
}

async function smokeTest(vscode) {
  await vscode.runCommand("Notifications: Clear All Notifications");
  await vscode.goToEndOfLine("tau = numpyro.sample");
  await vscode.runCommand("NumPyro: Run NUTS Smoke Test on the Model at the Cursor");
  // $/progress shows in the status bar while it runs (vscode-languageclient's window progress).
  await vscode.waitForText(".part.statusbar", /smoke test/i, 60_000);
  await vscode.waitForStatus(/NumPyro: cpu.* (pass|warn|fail)/i, 240_000);
  await vscode.runCommand("Notifications: Show Notifications");
  await vscode.waitForText(".notifications-center", /NUTS smoke test of eight_schools: (PASS|WARN|FAIL)/);
  await vscode.runCommand("View: Focus Problems");
  await vscode.waitForText(".markers-panel", "smoke-divergences");
  // Toasts do not show while the notification center is open.
  await vscode.runCommand("Notifications: Hide Notifications");
}

async function smokePictures(vscode) {
  // The summary of the run before carries a "Show plots" button (window/showMessageRequest).
  await vscode.runCommand("Notifications: Show Notifications");
  await vscode.page
    .locator(".notifications-center")
    .getByRole("button", { name: "Show plots" })
    .first()
    .click();
  // The panel: a webview (its own frame) drawn by the server's renderer with uPlot.
  for (let tries = 0; ; tries++) {
    const shown = await pictureFrames(vscode.page);
    const done = shown.find((s) => s.expected >= 11 && s.painted === s.expected);
    if (done !== undefined) {
      if (done.divergent < 1) {
        throw new Error(`the pair plot shows ${done.divergent} divergent draws`);
      }
      break;
    }
    if (tries > 300) {
      throw new Error(`the pictures panel did not draw: ${JSON.stringify(shown)}`);
    }
    await vscode.page.waitForTimeout(100);
  }
  // Pressing the button closed the notification center.
}

/** What each frame holding the pictures shows: charts expected and painted, divergent draws. */
async function pictureFrames(page) {
  const shown = [];
  for (const frame of page.frames()) {
    const state = await frame
      .evaluate(() => {
        const root = document.getElementById("report");
        return root && root.dataset.expected
          ? {
              expected: Number(root.dataset.expected),
              painted: Number(root.dataset.painted),
              divergent: Number(root.querySelector(".pair")?.dataset.divergent ?? -1),
            }
          : null;
      })
      .catch(() => null);
    if (state) {
      shown.push(state);
    }
  }
  return shown;
}

async function closePictures(vscode) {
  // The panel opened beside the file, which kept the focus.
  await vscode.runCommand("View: Close Editors in Other Groups");
  await vscode.page
    .locator(".tab", { hasText: "NUTS smoke test of eight_schools" })
    .waitFor({ state: "detached" });
}

async function smokeTestWhileTyping(vscode) {
  await vscode.page.keyboard.press("Escape");
  await vscode.runCommand("File: Revert File");
  await vscode.runCommand("Notifications: Clear All Notifications");
  await typeUnfinishedFunction(vscode);
  await vscode.goToEndOfLine("tau = numpyro.sample");
  await vscode.runCommand("NumPyro: Run NUTS Smoke Test on the Model at the Cursor");
  // The model runs (not "could not start"), and the result names the lines left out.
  await vscode.waitForNotification(
    /NUTS smoke test of eight_schools: (PASS|WARN|FAIL).*lines \d+-\d+ left out: they do not parse yet/,
    240_000,
  );
}

async function compareParameterizations(vscode) {
  await vscode.page.keyboard.press("Escape");
  await vscode.runCommand("Notifications: Clear All Notifications");
  // The steps before may have closed every editor (the notebook's).
  await vscode.openFile("eight_schools.py");
  await vscode.waitForEditorText("def eight_schools(J, sigma, y=None):");
  await vscode.runCommand("File: Revert File");
  await vscode.goToEndOfLine("tau = numpyro.sample");
  await vscode.runCommand("NumPyro: Compare Parameterizations of the Model at the Cursor");
  // Every variant runs in the smoke test's warm worker; the advice names the numbers.
  await vscode.waitForNotification(
    /Parameterization advice for eight_schools: `non-center theta`: 0 divergences, \d+ ESS\/s/,
    240_000,
  );
  await vscode.runCommand("View: Focus Problems");
  await vscode.waitForText(".markers-panel", "Parameterization advice");
  // The per-variant table opens in the pictures panel of the model (a webview, its own frame).
  for (let tries = 0; ; tries++) {
    const tables = await adviceTables(vscode.page);
    const shown = tables.find((t) => t.recommended === "non-center theta");
    if (shown !== undefined) {
      const row = shown.rows.find((r) => r[0] === "non-center theta");
      if (
        !shown.rows.some((r) => r[0] === "as written") ||
        row === undefined ||
        row[1] !== "0" ||
        row[6] !== "recommended"
      ) {
        throw new Error(`the advice's table in the panel: ${JSON.stringify(shown)}`);
      }
      break;
    }
    if (tries > 300) {
      throw new Error(`the advice's table did not show in the panel: ${JSON.stringify(tables)}`);
    }
    await vscode.page.waitForTimeout(100);
  }
  await vscode.runCommand("View: Close Editors in Other Groups");
}

/** The advice's tables in the frames of the pictures panels: the recommended variant, the rows' cells. */
async function adviceTables(page) {
  const shown = [];
  for (const frame of page.frames()) {
    const table = await frame
      .evaluate(() => {
        const section = document.querySelector("#report .advice");
        return section
          ? {
              recommended: section.dataset.recommended,
              rows: Array.from(section.querySelectorAll("tbody tr")).map((tr) =>
                Array.from(tr.querySelectorAll("td")).map((td) => td.textContent),
              ),
            }
          : null;
      })
      .catch(() => null);
    if (table) {
      shown.push(table);
    }
  }
  return shown;
}

async function shapeLens(vscode) {
  await vscode.page.keyboard.press("Escape");
  await vscode.runCommand("File: Revert File");
  await vscode.runCommand("Notifications: Clear All Notifications");
  // A change and a save: the extension turns numpyro.shapes.onSave on in a trusted workspace.
  await vscode.goToLastLine();
  await vscode.page.keyboard.type("# shapes");
  // Ctrl+S: the palette's first row for "File: Save" is "Compare Active File with Saved".
  await vscode.page.keyboard.press("Control+S");
  // The editor renders only the lines in view: bring the model back.
  await vscode.goToEndOfLine("mu = numpyro.sample");
  await vscode.waitForEditorText("theta: (8,) | ()");
  await vscode.waitForEditorText("J=8, dim -1");
  await vscode.waitForEditorText("mu: () | ()");
  await vscode.hover('numpyro.sample("theta"', "theta", ".monaco-hover", "Shapes");
  await vscode.waitForText(".monaco-hover", "HalfCauchy");
  // For the screenshot: the hover scrolled to the table (the mouse on the hover keeps it open).
  const box = await vscode.page.locator(".monaco-hover").first().boundingBox();
  if (box !== null) {
    await vscode.page.mouse.move(box.x + box.width / 2, box.y + box.height - 20, { steps: 4 });
    await vscode.page.mouse.wheel(0, 110);
  }
}

async function rebuildCatalog(vscode) {
  await vscode.page.keyboard.press("Escape");
  await vscode.runCommand("File: Revert File");
  await vscode.runCommand("NumPyro: Rebuild Catalog");
  await vscode.waitForNotification(/catalog rebuilt for numpyro 0\.18\.0/, 120_000);
}

async function restartServer(vscode) {
  await vscode.runCommand("NumPyro: Restart Server");
  await vscode.runCommand("NumPyro: Show Output");
  const twoStarts = /Starting numpyro-lsp[^]*Starting numpyro-lsp/;
  await vscode.waitForText(".part.panel .monaco-editor .view-lines", twoStarts);
  await vscode.waitForStatus(/check.*NumPyro/);
}

async function openNotebook(vscode) {
  await vscode.page.keyboard.press("Escape");
  // The editor in front may hold the typing of the steps before.
  await vscode.runCommand("File: Revert File");
  await vscode.openFile("eight_schools.ipynb");
  await vscode.waitForText(".notebook-editor .cell-editor-container .view-lines", "def model(J, sigma");
  // All three cells in view: the panel (Problems) closed.
  if (await vscode.page.locator(".part.panel").isVisible()) {
    await vscode.runCommand("View: Toggle Panel Visibility");
    await vscode.page.locator(".part.panel").waitFor({ state: "hidden" });
  }
}

async function notebookCompletion(vscode) {
  await vscode.page.keyboard.press("Escape");
  await vscode.runCommand("Notifications: Clear All Notifications");
  await openNotebook(vscode);
  // The server has the notebook: the third cell's warning is drawn.
  await vscode.page.locator(".notebook-editor .squiggly-warning").first().waitFor({ timeout: 60_000 });
  await vscode.clickText("conditioned = handlers", "conditioned");
  await vscode.page.keyboard.press("End");
  await vscode.page.keyboard.insertText("\n");
  await vscode.page.keyboard.type("prior = dist.Norm");
  const row = vscode.page.locator(".suggest-widget .monaco-list-row", { hasText: /^Normal/ }).first();
  await row.waitFor({ timeout: 60_000 });
  await vscode.showSuggestDetails();
  await vscode.waitForText(".suggest-details", "scale");
}

async function notebookDiagnostic(vscode) {
  await vscode.page.keyboard.press("Escape");
  await vscode.runCommand("File: Revert File");
  await openNotebook(vscode);
  await vscode.runCommand("View: Focus Problems");
  await vscode.waitForText(".markers-panel", "NPR020", 60_000);
  await vscode.waitForText(".markers-panel", "did you mean `theta`");
  // In the third cell, where the name is written (Problems shows the cell's line).
  await vscode.waitForText(".markers-panel", "[Ln 2, Col 47]");
}

async function notebookNonCenter(vscode) {
  await vscode.clickText('theta = numpyro.sample("theta"', "theta");
  await vscode.page.keyboard.press("Home");
  await vscode.page.keyboard.press("Control+.");
  const action = vscode.page.locator(".action-widget .monaco-list-row", {
    hasText: "Non-center `theta` with LocScaleReparam",
  });
  await action.first().waitFor({ timeout: 30_000 });
  await action.first().click();
  await vscode.waitForText(
    ".notebook-editor .cell-editor-container .view-lines",
    "LocScaleReparam(centered=0)",
  );
  await vscode.waitForText(".notebook-editor .cell-editor-container .view-lines", "import LocScaleReparam");
}

async function notebookRename(vscode) {
  await vscode.page.keyboard.press("Escape");
  await vscode.runCommand("File: Revert File");
  await openNotebook(vscode);
  await vscode.clickText('data={"theta"', "theta");
  await vscode.page.keyboard.press("F2");
  const input = vscode.page.locator(".rename-box input");
  await input.waitFor({ timeout: 30_000 });
  await input.fill("theta_school");
  await vscode.page.keyboard.press("Enter");
  const cells = ".notebook-editor .cell-editor-container .view-lines";
  await vscode.waitForText(cells, 'numpyro.sample("theta_school"');
  await vscode.waitForText(cells, 'data={"theta_school"');
}

async function closeNotebook(vscode) {
  await vscode.page.keyboard.press("Escape");
  await vscode.runCommand("File: Revert File");
  await vscode.runCommand("View: Close All Editors");
}

async function missingNumpyro(vscode) {
  await vscode.runCommand("Notifications: Clear All Notifications");
  await vscode.writeWorkspaceSettings({ "numpyro.interpreter": "/usr/bin/python3" });
  await vscode.waitForNotification(/numpyro is not installed for \/usr\/bin\/python3/);
}

/** The browser page of a VS Code window, with the few gestures the steps need. */
class Workbench {
  constructor(page, workspace, settings) {
    this.page = page;
    this.workspace = workspace;
    this.settings = settings;
  }

  async openFile(name) {
    await this.page.keyboard.press("Control+P");
    const input = this.page.locator(".quick-input-widget input");
    await input.waitFor();
    await input.fill(name);
    // Clicked, not Enter: the top row may be another recently opened file whose name starts
    // the same (eight_schools.ipynb above eight_schools.py).
    await this.page.locator(".quick-input-list .monaco-list-row", { hasText: name }).first().click();
    await this.page.locator(".tab.active", { hasText: name }).waitFor();
  }

  async waitForEditorText(text) {
    await this.waitForText(".monaco-editor .view-lines", text);
  }

  /** Waits until `selector`'s text (non-breaking spaces made plain) contains or matches `expected`. */
  async waitForText(selector, expected, timeout = 30_000) {
    await this.page.waitForFunction(
      ([selector, source, flags, text]) => {
        const pattern = source === null ? null : new RegExp(source, flags);
        return [...document.querySelectorAll(selector)].some((element) => {
          const content = element.textContent.replaceAll("\u00a0", " ");
          return pattern ? pattern.test(content) : content.includes(text);
        });
      },
      expected instanceof RegExp
        ? [selector, expected.source, expected.flags, null]
        : [selector, null, "", expected],
      { timeout },
    );
  }

  async waitForStatus(pattern, timeout = 60_000) {
    await this.page.waitForFunction(
      ([source]) => {
        const item = document.getElementById("numpyro-lsp.numpyro-lsp.numpyro.status");
        return item !== null && new RegExp(source).test(item.innerHTML);
      },
      [pattern.source],
      { timeout },
    );
  }

  async waitForNotification(pattern, timeout = 60_000) {
    await this.waitForText(".notifications-toasts .notification-toast", pattern, timeout);
  }

  /** Puts the cursor at the end of the first line that contains `text` (Go to Line). */
  async goToEndOfLine(text) {
    const source = await readFile(join(this.workspace, "eight_schools.py"), "utf8");
    const line = source.split("\n").findIndex((l) => l.includes(text)) + 1;
    await this.page.keyboard.press("Control+G");
    await this.page.locator(".quick-input-widget input").waitFor();
    await this.page.keyboard.type(`${line}`);
    await this.page.keyboard.press("Enter");
    await this.page.keyboard.press("End");
  }

  /** Puts the cursor on the example's last line, the empty one after its final newline. */
  async goToLastLine() {
    const source = await readFile(join(this.workspace, "eight_schools.py"), "utf8");
    await this.page.keyboard.press("Control+G");
    await this.page.locator(".quick-input-widget input").waitFor();
    await this.page.keyboard.type(`${source.split("\n").length}`);
    await this.page.keyboard.press("Enter");
  }

  /** Selects the current line's text after its indentation. */
  async selectLineContent() {
    await this.page.keyboard.press("End");
    await this.page.keyboard.press("Shift+Home");
  }

  /** Opens the suggest widget's documentation side panel (Ctrl+Space toggles it). */
  async showSuggestDetails() {
    const details = this.page.locator(".suggest-details-container .suggest-details");
    // VS Code remembers whether details were open, and draws them only once the item is
    // resolved: pressing Ctrl+Space before they appear would toggle them closed again.
    try {
      await details.waitFor({ timeout: 5_000 });
      return;
    } catch {
      await this.page.keyboard.press("Control+Space");
    }
    await details.waitFor();
  }

  /** Hovers the word `word` in the first `text` on screen until `selector` shows `expected`. */
  async hover(text, word, selector, expected) {
    const box = await this.wordBox(text, word);
    // A slow first hover says "Loading..."; moving away and back asks again.
    for (let attempt = 0; attempt < 6; attempt++) {
      await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 });
      try {
        await this.waitForText(selector, expected, 5_000);
        return;
      } catch {
        await this.page.mouse.move(box.x, box.y + 200);
      }
    }
    throw new Error(`no hover with ${JSON.stringify(expected)}`);
  }

  /** Where the word `word` of the first `text` on screen is (in any editor, notebook cells too). */
  async wordBox(text, word) {
    const box = await this.page.evaluate(
      ([text, word]) => {
        for (const lines of document.querySelectorAll(".monaco-editor .view-lines")) {
          for (const line of lines.querySelectorAll(".view-line")) {
            const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
            const nodes = [];
            while (walker.nextNode()) {
              nodes.push(walker.currentNode);
            }
            const joined = nodes.map((node) => node.data.replaceAll("\u00a0", " ")).join("");
            let start = joined.indexOf(text);
            if (start < 0) {
              continue;
            }
            start += text.indexOf(word);
            for (const node of nodes) {
              if (start < node.data.length) {
                const range = document.createRange();
                range.setStart(node, start);
                range.setEnd(node, Math.min(node.data.length, start + word.length));
                const { x, y, width, height } = range.getBoundingClientRect();
                return { x, y, width, height };
              }
              start -= node.data.length;
            }
          }
        }
        return null;
      },
      [text, word],
    );
    if (box === null) {
      throw new Error(`${JSON.stringify(text)} is not on screen`);
    }
    return box;
  }

  /** Clicks the word `word` in the first `text` on screen (in any editor, notebook cells too). */
  async clickText(text, word) {
    const box = await this.wordBox(text, word);
    // A first click may only select a notebook cell: the second puts the cursor there.
    await this.page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await this.page.waitForTimeout(300);
    await this.page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  }

  async runCommand(title) {
    await this.page.keyboard.press("F1");
    const input = this.page.locator(".quick-input-widget input");
    await input.waitFor();
    await input.fill(`>${title}`);
    await this.page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first().waitFor();
    await this.page.keyboard.press("Enter");
  }

  async writeWorkspaceSettings(changes) {
    Object.assign(this.settings, changes);
    await writeFile(join(this.workspace, ".vscode", "settings.json"), JSON.stringify(this.settings, null, 2));
  }
}

/** Processes started here, stopped by process group (each is a group leader) on every exit path. */
class Processes {
  constructor() {
    this.children = [];
  }

  start(command, args, options) {
    const child = spawn(command, args, { ...options, detached: true });
    this.children.push(child);
    return child;
  }

  async stopAll() {
    for (const child of this.children.splice(0)) {
      if (child.exitCode !== null || child.signalCode !== null) {
        continue;
      }
      const exited = new Promise((done) => child.once("exit", done));
      signalGroup(child.pid, "SIGTERM");
      const timer = setTimeout(() => signalGroup(child.pid, "SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
      signalGroup(child.pid, "SIGKILL"); // its group's stragglers (the extension host, the server)
    }
  }
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if (error.code !== "ESRCH") {
      throw error;
    }
  }
}

/** A fresh home, profile, extensions folder and workspace for this run. */
async function makeSandbox(python) {
  const root = await mkdtemp(join(tmpdir(), "numpyro-lsp-e2e-"));
  const sandbox = {
    root,
    home: join(root, "home"),
    tmp: join(root, "tmp"),
    userData: join(root, "user-data"),
    extensions: join(root, "extensions"),
    browserProfile: join(root, "chromium"),
    workspace: join(root, "workspace"),
  };
  for (const folder of Object.values(sandbox)) {
    await mkdir(folder, { recursive: true });
  }
  await mkdir(join(sandbox.userData, "User"), { recursive: true });
  await writeFile(
    join(sandbox.userData, "User", "settings.json"),
    JSON.stringify({
      "workbench.startupEditor": "none",
      "workbench.tips.enabled": false,
      "workbench.enableExperiments": false,
      "telemetry.telemetryLevel": "off",
      "update.mode": "none",
      "extensions.autoCheckUpdates": false,
      "editor.minimap.enabled": false,
      "editor.hover.delay": 200,
      "workbench.secondarySideBar.defaultVisibility": "hidden",
      "chat.disableAIFeatures": true,
      // The workspace opens in restricted mode; a step trusts it.
      "security.workspace.trust.startupPrompt": "never",
      // A user setting: restricted mode ignores the workspace's numpyro.interpreter.
      "numpyro.interpreter": python,
    }),
  );
  await copyFile(join(REPO, "examples", "eight_schools.py"), join(sandbox.workspace, "eight_schools.py"));
  await writeFile(join(sandbox.workspace, "reparam_example.py"), REPARAM_FILE);
  await writeFile(join(sandbox.workspace, "eight_schools.ipynb"), notebookJson(NOTEBOOK_CELLS));
  await mkdir(join(sandbox.workspace, ".vscode"));
  sandbox.settings = {
    // Else Ctrl+Space answers with the file's words before the server is ready.
    "editor.wordBasedSuggestions": "off",
    // Steps type into the example and revert: nothing may be saved behind their back.
    "files.autoSave": "off",
  };
  await writeFile(
    join(sandbox.workspace, ".vscode", "settings.json"),
    JSON.stringify(sandbox.settings, null, 2),
  );
  sandbox.env = {
    ...process.env,
    HOME: sandbox.home,
    TMPDIR: sandbox.tmp,
    XDG_CONFIG_HOME: join(sandbox.home, ".config"),
    XDG_DATA_HOME: join(sandbox.home, ".local", "share"),
    XDG_CACHE_HOME: join(sandbox.home, ".cache"),
    EXTENSIONS_GALLERY: "{}",
    // The sandbox's own home would start pip's cache empty on every run.
    PIP_CACHE_DIR: process.env.PIP_CACHE_DIR ?? join(homedir(), ".cache", "pip"),
  };
  return sandbox;
}

function codeServerArgs(codeServer, sandbox) {
  return [
    join(codeServer, "out", "node", "entry.js"),
    "--user-data-dir",
    sandbox.userData,
    "--extensions-dir",
    sandbox.extensions,
  ];
}

function installExtension(codeServer, sandbox, vsix) {
  const result = spawnSync(
    process.execPath,
    [...codeServerArgs(codeServer, sandbox), "--install-extension", vsix],
    {
      env: sandbox.env,
      encoding: "utf8",
    },
  );
  if (result.status !== 0) {
    throw new Error(`installing ${vsix} failed:\n${result.stdout}${result.stderr}`);
  }
}

/** Starts a process in its own group and resolves with the first match of `pattern` in its output. */
async function startAndWaitFor(processes, what, command, args, env, pattern, log) {
  const child = processes.start(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  return await new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${what} did not start in 60 s`)), 60_000);
    const onOutput = (chunk) => {
      log.push(chunk.toString());
      const match = pattern.exec(log.join(""));
      if (match) {
        clearTimeout(timer);
        done(match[1]);
      }
    };
    child.stdout.on("data", onOutput);
    child.stderr.on("data", onOutput);
    child.once("exit", (code) => fail(new Error(`${what} exited with ${code}:\n${log.join("")}`)));
  });
}

/** code-server on a free loopback port, with the sandbox's profile; resolves with its URL. */
function startCodeServer(processes, codeServer, sandbox, log) {
  const args = [
    ...codeServerArgs(codeServer, sandbox),
    ...["--auth", "none", "--bind-addr", "127.0.0.1:0"],
    ...["--disable-telemetry", "--disable-update-check", "--reconnection-grace-time", "5"],
    sandbox.workspace,
  ];
  const listening = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/;
  return startAndWaitFor(processes, "code-server", process.execPath, args, sandbox.env, listening, log);
}

/** Headless Chromium with an empty profile, driven over CDP; resolves with Playwright's browser. */
async function startChromium(processes, executable, sandbox, log) {
  const args = [
    ...["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
    ...["--disable-background-networking", "--disable-component-update", "--disable-sync"],
    ...["--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--window-size=1440,900"],
    `--user-data-dir=${sandbox.browserProfile}`,
    "about:blank",
  ];
  const devtools = /DevTools listening on (ws:\/\/\S+)/;
  const endpoint = await startAndWaitFor(processes, "chromium", executable, args, sandbox.env, devtools, log);
  return await chromium.connectOverCDP(endpoint);
}

/** The extension's output channel and other logs of the window, copied into results/. */
async function collectLogs(sandbox) {
  const logs = join(sandbox.userData, "logs");
  const files = (await readdir(logs, { recursive: true }).catch(() => [])).filter((f) => f.endsWith(".log"));
  await cp(logs, join(RESULTS, "vscode-logs"), { recursive: true }).catch(() => undefined);
  const numpyro = files.filter((f) => /numpyro/i.test(f));
  for (const file of numpyro) {
    const text = await readFile(join(logs, file), "utf8");
    console.error(`--- ${file} (last 60 lines)\n${text.split("\n").slice(-60).join("\n")}`);
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      "code-server": { type: "string" },
      vsix: { type: "string" },
      python: { type: "string" },
      chromium: { type: "string", default: "/usr/bin/chromium" },
      "update-images": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help || !values["code-server"] || !values.vsix || !values.python) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  await rm(RESULTS, { recursive: true, force: true });
  await mkdir(RESULTS, { recursive: true });
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const sandbox = await makeSandbox(resolve(values.python));
  const processes = new Processes();
  const tidyUp = async () => {
    await processes.stopAll();
    await rm(sandbox.root, { recursive: true, force: true });
  };
  const onSignal = async (signal) => {
    console.error(`e2e: ${signal}, stopping what it started`);
    await tidyUp();
    process.exit(1);
  };
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);

  const logs = { codeServer: [], chromium: [] };
  let passed = false;
  try {
    passed = await runSteps(values, sandbox, processes, logs, elapsed);
  } catch (error) {
    console.error(`e2e: ${error.stack}`);
  } finally {
    await writeFile(join(RESULTS, "code-server.log"), logs.codeServer.join(""));
    await writeFile(join(RESULTS, "chromium.log"), logs.chromium.join(""));
    if (!passed) {
      await collectLogs(sandbox);
    }
    await tidyUp();
  }
  console.log(
    passed
      ? `e2e: ${STEPS.length} passed in ${elapsed()}`
      : `e2e: FAILED after ${elapsed()}; screenshots and logs in ${RESULTS}`,
  );
  return passed ? 0 : 1;
}

/** Installs the extension, opens the workspace in code-server and runs the steps in order. */
async function runSteps(values, sandbox, processes, logs, elapsed) {
  installExtension(values["code-server"], sandbox, resolve(values.vsix));
  const url = await startCodeServer(processes, values["code-server"], sandbox, logs.codeServer);
  console.log(`e2e: code-server at ${url} after ${elapsed()}`);
  const browser = await startChromium(processes, values.chromium, sandbox, logs.chromium);
  try {
    const context = browser.contexts()[0];
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${url}/?folder=${encodeURIComponent(sandbox.workspace)}`);
    await page.locator(".monaco-workbench").waitFor({ timeout: 60_000 });
    const vscode = new Workbench(page, sandbox.workspace, sandbox.settings);
    for (const [index, [name, step, readmeImage]] of STEPS.entries()) {
      const screenshot = join(RESULTS, `${String(index + 1).padStart(2, "0")}-${step.name}.png`);
      try {
        await step(vscode);
      } catch (error) {
        await page.screenshot({ path: screenshot.replace(/\.png$/, "-FAILED.png") });
        console.log(`FAIL ${name} (${elapsed()})\n     ${String(error.message).split("\n")[0]}`);
        return false; // later steps build on earlier ones
      }
      await page.screenshot({ path: screenshot, animations: "disabled" });
      if (readmeImage && values["update-images"]) {
        await copyFile(screenshot, join(README_IMAGES, readmeImage));
      }
      console.log(`ok   ${name} (${elapsed()})`);
    }
    return true;
  } finally {
    await browser.close().catch(() => undefined);
  }
}

process.exitCode = await main();
