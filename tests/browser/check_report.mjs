// Opens an HTML report in headless Chromium (Debian's, through playwright-core from the VS Code
// extension's dev dependencies) and prints what it shows as JSON: the charts expected and
// painted, the time to draw, the divergent draws in the pair plot, every request the page
// made beyond its own file, console errors and Content-Security-Policy violations.
// Usage: node check_report.mjs REPORT.html [SCREENSHOT.png]
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";

const require = createRequire(join(fileURLToPath(import.meta.url), "../../../vscode-extension/"));
const { chromium } = require("playwright-core");

const [report, screenshot] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "numpyro-report-"));
process.env.HOME = profile; // Chromium writes under ~/.config
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
const result = { requests: [], errors: [], violations: [] };
try {
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  const own = pathToFileURL(resolve(report)).href;
  page.on("request", (request) => {
    if (request.url() !== own && !request.url().startsWith("data:")) result.requests.push(request.url());
  });
  page.on("console", (message) => {
    if (message.type() === "error") result.errors.push(message.text());
  });
  page.on("pageerror", (error) => result.errors.push(String(error)));
  await page.exposeFunction("__violation", (text) => result.violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) =>
      window.__violation(`${event.violatedDirective} ${event.blockedURI}`),
    );
  });
  const started = Date.now();
  await page.goto(own);
  await page
    .waitForFunction(
      () => {
        const root = document.getElementById("report");
        return root && root.dataset.expected && root.dataset.painted === root.dataset.expected;
      },
      null,
      { timeout: 15000 },
    )
    .catch(() => {});
  result.shown_ms = Date.now() - started;
  Object.assign(
    result,
    await page.evaluate(() => {
      const root = document.getElementById("report");
      const blank = Array.from(root.querySelectorAll("canvas")).filter((canvas) => {
        const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return false;
        return true;
      }).length;
      return {
        expected: Number(root.dataset.expected || 0),
        painted: Number(root.dataset.painted || 0),
        canvases: root.querySelectorAll("canvas").length,
        blank_canvases: blank,
        render_ms: Number(root.dataset.renderMs || -1),
        pair_divergent: Number(root.querySelector(".pair")?.dataset.divergent ?? -1),
        titles: Array.from(root.querySelectorAll(".u-title")).map((t) => t.textContent),
        sites: Array.from(root.querySelectorAll(".site h2")).map((h) => h.textContent),
        picker: Array.from(root.querySelectorAll("#site-picker option")).map((o) => o.textContent),
      };
    }),
  );
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(result));
