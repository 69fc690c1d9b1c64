// The smoke test's pictures: per site a trace per chain, a rank plot and the density per
// chain; a pair plot of the two elements most involved in divergences, divergent draws
// marked; an energy plot with BFMI; a site picker. Drawn with uPlot (canvas, no eval, no
// network), coloured from the page's CSS variables (VS Code's theme in the webview).
// One renderer for the HTML report (numpyro-lsp smoke --html) and the VS Code panel; the
// parameterization advice's per-variant table at the top when the data carry one (`advice`).
/* global uPlot */
(function () {
  "use strict";

  const CHAIN_COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#9c755f"];
  const DIVERGENT = "#e8112d";
  const RANK_BINS = 20;
  const DENSITY_POINTS = 80;
  const WIDTH = 300;
  const HEIGHT = 160;

  function decode(text) {
    const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    return new Float32Array(bytes.buffer);
  }

  function themeColour(name, fallback) {
    const value = getComputedStyle(document.body).getPropertyValue(name).trim();
    return value || fallback;
  }

  function element(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([key, value]) => {
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    });
    (children || []).forEach((child) => node.appendChild(child));
    return node;
  }

  function chainsOf(values, chains) {
    const per = values.length / chains;
    const out = [];
    for (let c = 0; c < chains; c++) out.push(Array.from(values.subarray(c * per, (c + 1) * per)));
    return out;
  }

  function ranks(perChain) {
    const pooled = [];
    perChain.forEach((draws, c) => draws.forEach((v, i) => pooled.push([v, c, i])));
    pooled.sort((a, b) => a[0] - b[0]);
    const counts = perChain.map(() => new Array(RANK_BINS).fill(0));
    pooled.forEach(([, c], rank) => {
      counts[c][Math.min(RANK_BINS - 1, Math.floor((rank / pooled.length) * RANK_BINS))] += 1;
    });
    return counts;
  }

  function density(draws, lo, hi) {
    const n = draws.length;
    const mean = draws.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(draws.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, n - 1));
    const bandwidth = 1.06 * (sd || 1) * Math.pow(n, -0.2);
    const grid = [];
    const values = [];
    for (let k = 0; k < DENSITY_POINTS; k++) {
      const x = lo + ((hi - lo) * k) / (DENSITY_POINTS - 1);
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const z = (x - draws[i]) / bandwidth;
        sum += Math.exp(-0.5 * z * z);
      }
      grid.push(x);
      values.push(sum / (n * bandwidth * Math.sqrt(2 * Math.PI)));
    }
    return [grid, values];
  }

  function histogram(values, lo, hi, bins) {
    const counts = new Array(bins).fill(0);
    values.forEach((v) => {
      const b = Math.min(bins - 1, Math.max(0, Math.floor(((v - lo) / (hi - lo || 1)) * bins)));
      counts[b] += 1;
    });
    return counts.map((c) => c / (values.length || 1));
  }

  function finite(values) {
    return values.filter((v) => Number.isFinite(v));
  }

  function number(value, digits) {
    return value === null || value === undefined || !Number.isFinite(value) ? "-" : value.toFixed(digits);
  }

  // The advice (what numpyro.advise answers): a row per variant, the recommended one marked,
  // and the reason with the numbers.
  function adviceTable(advice) {
    const columns = ["variant", "divergences", "ESS/s", "min ESS", "max r_hat", "seconds", ""];
    const head = element("tr", {}, columns.map((c) => element("th", { text: c })));
    const rows = advice.variants.map((v) => {
      const chosen = v.name === advice.recommended;
      const cells = v.error
        ? [v.name, "failed: " + v.error, "", "", "", "", ""]
        : [v.name, String(v.divergences), number(v.ess_per_second, 0), number(v.min_ess, 0), number(v.max_r_hat, 3), number(v.seconds, 2), chosen ? "recommended" : ""];
      return element(
        "tr",
        { class: chosen ? "recommended" : "", "data-variant": v.name },
        cells.map((text) => element("td", { text })),
      );
    });
    return element("section", { class: "advice", "data-recommended": advice.recommended || "" }, [
      element("h2", { text: "Parameterizations of " + advice.model }),
      element("table", {}, [element("thead", {}, [head]), element("tbody", {}, rows)]),
      element("p", { class: "reason", text: advice.reason || "" }),
    ]);
  }

  class Report {
    constructor(root) {
      this.root = root;
      this.charts = [];
      this.expected = 0;
      this.painted = 0;
    }

    options(title, series, extra) {
      const fg = themeColour("--vscode-editor-foreground", themeColour("--fg", "#333"));
      const grid = themeColour("--vscode-editorWidget-border", "rgba(128,128,128,0.25)");
      const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
      const report = this;
      return Object.assign(
        {
          title,
          width: WIDTH,
          height: HEIGHT,
          legend: { show: false },
          // Every x axis is a number (a draw, a rank, a value), not a time.
          scales: { x: { time: false } },
          cursor: { drag: { x: true, y: false } },
          axes: [Object.assign({}, axis), Object.assign({}, axis, { size: 50 })],
          series: [{}].concat(series),
          hooks: {
            draw: [
              (u) => {
                if (!u.root.dataset.painted) {
                  u.root.dataset.painted = "1";
                  report.painted += 1;
                  report.root.dataset.painted = String(report.painted);
                }
              },
            ],
          },
        },
        extra || {},
      );
    }

    chart(parent, title, series, data, extra) {
      const holder = element("div", { class: "chart" });
      parent.appendChild(holder);
      this.expected += 1;
      this.root.dataset.expected = String(this.expected);
      this.charts.push(new uPlot(this.options(title, series, extra), data, holder));
    }

    clear() {
      this.charts.forEach((c) => c.destroy());
      this.charts = [];
      this.expected = 0;
      this.painted = 0;
      this.root.textContent = "";
      delete this.root.dataset.painted;
      delete this.root.dataset.expected;
    }

    render(data) {
      this.clear();
      const pictures = data.pictures;
      const header = element("header", {}, [
        element("h1", { text: data.title || "NUTS smoke test" }),
        element("p", { class: "summary verdict-" + (data.verdict || ""), text: data.summary || "" }),
      ]);
      this.root.appendChild(header);
      if (data.advice) this.root.appendChild(adviceTable(data.advice));
      if (!pictures) {
        const none = data.advice ? "No smoke test's draws of this model yet: run its NUTS smoke test for the pictures." : "This run has no draws to show.";
        this.root.appendChild(element("p", { text: none }));
        return;
      }
      const chains = pictures.chains;
      const elements = pictures.elements.map((e) => Object.assign({}, e, { draws: chainsOf(decode(e.values), chains) }));
      const picker = this.picker(pictures.sites, elements);
      this.root.appendChild(picker.node);
      const overview = element("section", { class: "overview" });
      this.root.appendChild(overview);
      this.pair(overview, pictures);
      this.energy(overview, pictures);
      const sites = element("section", { class: "sites" });
      this.root.appendChild(sites);
      this.sitesNode = sites;
      this.elements = elements;
      this.chains = chains;
      this.step = pictures.step;
      this.showSites(picker.selected());
      picker.onChange((names) => this.showSites(names));
    }

    picker(sites, elements) {
      const select = element("select", { id: "site-picker", multiple: "multiple", size: String(Math.min(8, sites.length)) });
      const vector = {};
      elements.forEach((e) => {
        vector[e.site] = (vector[e.site] || 0) + 1;
      });
      elements.forEach((e, index) => {
        const option = element("option", { value: String(index), text: e.name });
        // Scalar sites and each vector site's first element are shown at first.
        if (vector[e.site] === 1 || e.name.endsWith("[0]") || e.name.endsWith("[0,0]")) option.selected = true;
        select.appendChild(option);
      });
      const node = element("label", { class: "picker" }, [element("span", { text: "Sites " }), select]);
      return {
        node,
        selected: () => Array.from(select.selectedOptions).map((o) => Number(o.value)),
        onChange: (callback) => select.addEventListener("change", () => callback(Array.from(select.selectedOptions).map((o) => Number(o.value)))),
      };
    }

    showSites(indices) {
      // Only the sites' charts are redrawn: the overview keeps its own.
      this.charts = this.charts.filter((c) => {
        if (this.sitesNode.contains(c.root)) {
          c.destroy();
          this.expected -= 1;
          if (c.root.dataset.painted) this.painted -= 1;
          return false;
        }
        return true;
      });
      this.sitesNode.textContent = "";
      indices.forEach((index) => this.site(this.elements[index]));
      this.root.dataset.expected = String(this.expected);
      this.root.dataset.painted = String(this.painted);
    }

    chainSeries(prefix, extra) {
      const out = [];
      for (let c = 0; c < this.chains; c++) {
        const colour = CHAIN_COLOURS[c % CHAIN_COLOURS.length];
        out.push(Object.assign({ label: `${prefix} ${c + 1}`, stroke: colour, width: 1, points: { show: false } }, extra || {}));
      }
      return out;
    }

    site(e) {
      const row = element("div", { class: "site", "data-element": e.name }, [element("h2", { text: e.name })]);
      this.sitesNode.appendChild(row);
      const length = e.draws[0].length;
      const x = Array.from({ length }, (_, i) => i * this.step);
      this.chart(row, "trace", this.chainSeries("chain"), [x].concat(e.draws));
      const counts = ranks(e.draws);
      const bins = Array.from({ length: RANK_BINS }, (_, i) => i);
      this.chart(row, "rank", this.chainSeries("chain", { paths: uPlot.paths.stepped({ align: 1 }) }), [bins].concat(counts));
      const all = finite([].concat(...e.draws));
      const lo = Math.min(...all);
      const hi = Math.max(...all);
      const curves = e.draws.map((d) => density(finite(d), lo, hi === lo ? lo + 1 : hi));
      this.chart(row, "density", this.chainSeries("chain"), [curves[0][0]].concat(curves.map((c) => c[1])));
    }

    pair(parent, pictures) {
      const pair = pictures.pair;
      if (!pair) return;
      const xs = Array.from(decode(pair.xs));
      const ys = Array.from(decode(pair.ys));
      const dx = Array.from(decode(pair.div_x));
      const dy = Array.from(decode(pair.div_y));
      const points = xs.map((v, i) => [v, ys[i], null]).concat(dx.map((v, i) => [v, null, dy[i]]));
      points.sort((a, b) => a[0] - b[0]);
      const noLine = { paths: () => null, points: { show: true, size: 3 } };
      const series = [
        Object.assign({ label: "draws", stroke: CHAIN_COLOURS[0], fill: CHAIN_COLOURS[0] }, noLine),
        Object.assign({ label: "divergent", stroke: DIVERGENT, fill: DIVERGENT }, noLine, { points: { show: true, size: 6 } }),
      ];
      const title = `pair: ${pair.x} × ${pair.y} (${pictures.divergences} divergent)`;
      const box = element("div", { class: "pair", "data-divergent": String(dx.length) });
      parent.appendChild(box);
      this.chart(box, title, series, [points.map((p) => p[0]), points.map((p) => p[1]), points.map((p) => p[2])]);
      box.appendChild(element("p", { class: "axis-note", text: `x: ${pair.x} · y: ${pair.y} · red: divergent draws` }));
    }

    energy(parent, pictures) {
      if (!pictures.energy_all) return;
      const energy = decode(pictures.energy_all);
      const perChain = chainsOf(energy, pictures.chains);
      const centred = [];
      const transitions = [];
      perChain.forEach((draws) => {
        const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
        draws.forEach((v, i) => {
          centred.push(v - mean);
          if (i > 0) transitions.push(v - draws[i - 1]);
        });
      });
      const both = finite(centred.concat(transitions));
      const lo = Math.min(...both);
      const hi = Math.max(...both);
      const bins = 30;
      const x = Array.from({ length: bins }, (_, i) => lo + ((hi - lo) * (i + 0.5)) / bins);
      const bfmi = pictures.bfmi.map((b) => (Number.isFinite(b) ? b.toFixed(2) : "nan")).join(", ");
      const low = pictures.bfmi.some((b) => Number.isFinite(b) && b < pictures.low_bfmi);
      const box = element("div", { class: "energy" + (low ? " low-bfmi" : "") });
      parent.appendChild(box);
      const stepped = { paths: uPlot.paths.stepped({ align: 0 }), width: 2, points: { show: false } };
      this.chart(
        box,
        `energy · BFMI ${bfmi}`,
        [
          Object.assign({ label: "marginal energy", stroke: CHAIN_COLOURS[0] }, stepped),
          Object.assign({ label: "energy transition", stroke: CHAIN_COLOURS[1] }, stepped),
        ],
        [x, histogram(finite(centred), lo, hi, bins), histogram(finite(transitions), lo, hi, bins)],
      );
      box.appendChild(
        element("p", {
          class: "axis-note",
          text: `blue: marginal energy · orange: energy transition${low ? ` · BFMI below ${pictures.low_bfmi}: the sampler explores the energy poorly` : ""}`,
        }),
      );
    }
  }

  window.numpyroSmokeReport = {
    render(data, root) {
      const report = root.__report || new Report(root);
      root.__report = report;
      const started = performance.now();
      report.render(data);
      root.dataset.renderMs = String(Math.round(performance.now() - started));
      return report;
    },
  };

  const inline = document.getElementById("numpyro-report-data");
  if (inline) {
    window.numpyroSmokeReport.render(JSON.parse(inline.textContent), document.getElementById("report"));
  }
})();
