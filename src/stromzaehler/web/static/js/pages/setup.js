// Set-up: drag and resize the digit boxes on a still frame, accept the automatic proposal,
// lock them equidistant, set decimals, disc window and revolutions per kWh, test read, save.

import { get, post, put, request } from "../api.js";
import { field, h, svg } from "../dom.js";
import { formatNumber, formatPercent, reasonText, t } from "../i18n.js";

const MIN_SIZE = 4;
const HANDLE_PX = 16; // on screen, whatever the zoom

function equidistant(boxes, size) {
  const n = boxes.length;
  if (n < 2) return boxes;
  const [first, last] = [boxes[0], boxes[n - 1]];
  return boxes.map((_, i) => [
    Math.round(first[0] + ((last[0] - first[0]) * i) / (n - 1)),
    Math.round(first[1] + ((last[1] - first[1]) * i) / (n - 1)),
    size[0], size[1],
  ]);
}

export async function mount(root, { showError, toast, requireLogin }) {
  const saved = await get("/api/setup/geometry");
  const state = {
    boxes: saved.digit_boxes.map((b) => [...b]),
    disc: saved.disc_window ? [...saved.disc_window] : null,
    decimals: saved.decimals,
    revolutions: saved.revolutions_per_kwh,
    equidistant: false,
    selected: 0, // digit box index, or "disc"
    readDigits: [],
  };
  let size = [640, 480];

  const image = h("img", { alt: "", id: "setup-frame" });
  const editor = svg("svg", { class: "editor", id: "box-editor", tabindex: "0", viewBox: "0 0 640 480",
    role: "application", "aria-label": t("setup.boxes") });
  const result = h("div", { id: "test-result", class: "note" });
  const decimals = h("input", { type: "number", id: "setup-decimals", min: 0, max: 3, value: state.decimals });
  const revolutions = h("input", { type: "number", id: "setup-revolutions", min: 1, max: 10000, step: "any", value: state.revolutions });
  const lock = h("input", { type: "checkbox", id: "setup-equidistant" });
  const disc = h("input", { type: "checkbox", id: "setup-disc", checked: state.disc !== null });
  const boxList = h("p", { class: "note", id: "box-list" });

  function loadFrame() {
    image.src = `/api/image?t=${Date.now()}`;
  }
  image.addEventListener("load", () => {
    size = [image.naturalWidth, image.naturalHeight];
    editor.setAttribute("viewBox", `0 0 ${size[0]} ${size[1]}`);
    render();
  });
  image.addEventListener("error", () => showError(new Error("/api/image: no frame yet")));

  function scale() {
    const width = editor.getBoundingClientRect().width || size[0];
    return size[0] / width;
  }

  function render() {
    const handle = HANDLE_PX * scale();
    const shapes = state.boxes.map((box, i) => ({ box, key: i, label: String(i + 1) }));
    if (state.disc) shapes.push({ box: state.disc, key: "disc", label: t("setup.disc") });
    editor.replaceChildren();
    for (const { box, key, label } of shapes) {
      const [x, y, w, hgt] = box;
      const selected = state.selected === key;
      editor.append(svg("rect", {
        class: `box${key === "disc" ? " disc" : ""}${selected ? " selected" : ""}`,
        x, y, width: w, height: hgt, "data-key": key, "data-action": "move",
      }));
      const read = key === "disc" ? null : state.readDigits[key];
      const text = svg("text", { x: x + 3, y: y + 18 * scale() });
      text.textContent = read ? `${label}: ${read.digit ?? "?"}` : label;
      editor.append(text);
      if (selected) {
        editor.append(svg("rect", {
          class: "handle", x: x + w - handle / 2, y: y + hgt - handle / 2, width: handle, height: handle,
          "data-key": key, "data-action": "resize",
        }));
      }
    }
    boxList.textContent = state.boxes.map((b) => `[${b.join(", ")}]`).join(" ");
  }

  function shapeOf(key) {
    return key === "disc" ? state.disc : state.boxes[key];
  }

  function setShape(key, box) {
    if (key === "disc") state.disc = box;
    else state.boxes[key] = box;
  }

  /** Move or resize one shape; with the lock, keep the digit boxes equidistant and equal. */
  function edit(key, action, dx, dy, start) {
    const [x, y, w, hgt] = start.get(key);
    const box = action === "move"
      ? [Math.round(x + dx), Math.round(y + dy), w, hgt]
      : [x, y, Math.max(MIN_SIZE, Math.round(w + dx)), Math.max(MIN_SIZE, Math.round(hgt + dy))];
    if (key === "disc" || !state.equidistant) {
      setShape(key, box);
      return;
    }
    const n = state.boxes.length;
    if (action === "move" && key !== 0 && key !== n - 1) {
      state.boxes = state.boxes.map((_, i) => {
        const [bx, by, bw, bh] = start.get(i);
        return [Math.round(bx + dx), Math.round(by + dy), bw, bh];
      });
      return;
    }
    state.boxes[key] = box;
    state.boxes = equidistant(state.boxes, [box[2], box[3]]);
  }

  let drag = null;
  editor.addEventListener("pointerdown", (event) => {
    const target = event.target.closest("[data-action]");
    if (!target) return;
    const key = target.dataset.key === "disc" ? "disc" : Number(target.dataset.key);
    state.selected = key;
    const start = new Map(state.boxes.map((b, i) => [i, [...b]]));
    if (state.disc) start.set("disc", [...state.disc]);
    drag = { key, action: target.dataset.action, x: event.clientX, y: event.clientY, start };
    editor.setPointerCapture(event.pointerId);
    event.preventDefault();
    render();
  });
  editor.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const factor = scale();
    edit(drag.key, drag.action, (event.clientX - drag.x) * factor, (event.clientY - drag.y) * factor, drag.start);
    render();
  });
  const endDrag = () => { drag = null; };
  editor.addEventListener("pointerup", endDrag);
  editor.addEventListener("pointercancel", endDrag);
  editor.addEventListener("keydown", (event) => {
    const steps = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[event.key];
    if (!steps || shapeOf(state.selected) === undefined) return;
    event.preventDefault();
    const amount = event.shiftKey ? 10 : 1;
    const start = new Map(state.boxes.map((b, i) => [i, [...b]]));
    if (state.disc) start.set("disc", [...state.disc]);
    edit(state.selected, event.altKey ? "resize" : "move", steps[0] * amount, steps[1] * amount, start);
    render();
  });

  lock.addEventListener("change", () => {
    state.equidistant = lock.checked;
    if (lock.checked && state.boxes.length > 1) {
      state.boxes = equidistant(state.boxes, state.boxes[0].slice(2));
      render();
    }
  });
  disc.addEventListener("change", () => {
    state.disc = disc.checked ? [Math.round(size[0] * 0.4), Math.round(size[1] * 0.72), Math.round(size[0] * 0.22), Math.round(size[1] * 0.11)] : null;
    state.selected = disc.checked ? "disc" : 0;
    render();
  });

  function geometry() {
    return {
      digit_boxes: state.boxes,
      decimals: Number(decimals.value),
      disc_window: state.disc,
      revolutions_per_kwh: Number(revolutions.value),
    };
  }

  async function withLogin(action) {
    if (!(await requireLogin())) return;
    try {
      await action();
    } catch (error) {
      showError(error);
    }
  }

  const buttons = {
    add: h("button", { type: "button", id: "setup-add", onclick: () => {
      const last = state.boxes[state.boxes.length - 1];
      const before = state.boxes[state.boxes.length - 2];
      const step = before ? last[0] - before[0] : last[2] + 4;
      state.boxes.push([last[0] + step, last[1], last[2], last[3]]);
      state.selected = state.boxes.length - 1;
      render();
    } }, t("setup.add")),
    remove: h("button", { type: "button", id: "setup-remove", onclick: () => {
      if (state.boxes.length > 1) state.boxes.pop();
      state.selected = 0;
      render();
    } }, t("setup.remove")),
    propose: h("button", { type: "button", id: "setup-propose", onclick: () => withLogin(async () => {
      const proposal = await get(`/api/setup/propose?digits=${state.boxes.length}`);
      state.boxes = proposal.digit_boxes;
      loadFrame();
    }) }, t("setup.propose")),
    test: h("button", { type: "button", id: "setup-test", onclick: () => withLogin(async () => {
      const read = await post("/api/setup/test-read", geometry());
      state.readDigits = read.digits;
      result.replaceChildren(
        h("p", {}, read.reading && !read.reason
          ? t("setup.testResult", { reading: read.reading, kwh: formatNumber(read.kwh, Number(decimals.value)), confidence: formatPercent(read.confidence) })
          : t("setup.testUnread", { reason: read.reason ? reasonText(read.reason) : "?" })),
        h("p", {}, read.digits.map((d) => `${d.digit ?? "?"} (${formatNumber(d.value, 1)}, ${formatPercent(d.confidence)})`).join(" · ")),
      );
      render();
    }) }, t("setup.testRead")),
    save: h("button", { type: "button", class: "primary", id: "setup-save", onclick: () => withLogin(async () => {
      const stored = await put("/api/setup/geometry", geometry());
      state.boxes = stored.digit_boxes;
      toast(t("common.saved"));
      render();
    }) }, t("common.save")),
    reload: h("button", { type: "button", id: "setup-reset", onclick: () => {
      state.boxes = saved.digit_boxes.map((b) => [...b]);
      state.disc = saved.disc_window ? [...saved.disc_window] : null;
      render();
    } }, t("setup.reload")),
    frame: h("button", { type: "button", id: "setup-frame-reload", onclick: loadFrame }, t("setup.newFrame")),
  };

  // The reading the owner sees: checks the reader at once and teaches it this meter's digits.
  const typed = h("input", { type: "text", id: "setup-typed-reading", inputmode: "decimal", placeholder: "099516.0" });
  const adaptation = h("div", { id: "adaptation-state", class: "note" });
  const teachResult = h("p", { id: "teach-result", class: "note" });
  function showAdaptation(a) {
    adaptation.replaceChildren(...[
      h("p", {}, a.adapted ? t("adapt.adapted", { samples: a.samples }) : t("adapt.generic")),
      a.first_reading_missing ? h("p", { class: "error" }, t("adapt.missing")) : null,
    ].filter(Boolean));
  }
  const teach = h("button", { type: "button", id: "setup-teach", onclick: () => withLogin(async () => {
    const answer = await post("/api/adaptation/teach", { reading: typed.value });
    teachResult.textContent = answer.agrees
      ? t("adapt.agrees", { samples: answer.samples_added })
      : t("adapt.disagrees", { details: answer.mismatches.map((m) => t("adapt.roller", { roller: m.roller, typed: m.typed, read: m.read ?? "?" })).join(", ") || reasonText("unreadable") });
    showAdaptation(answer);
  }) }, t("adapt.teach"));
  const forget = h("button", { type: "button", id: "setup-adaptation-reset", onclick: () => withLogin(async () => {
    showAdaptation(await request("DELETE", "/api/adaptation"));
    teachResult.textContent = "";
  }) }, t("adapt.reset"));
  get("/api/adaptation").then(showAdaptation).catch(() => {});

  root.append(
    h("div", { class: "grid two" },
      h("div", {},
        h("div", { class: "stage" }, image, editor),
        h("p", { class: "note" }, t("setup.intro")), boxList),
      h("div", {},
        h("section", { class: "card" },
          h("div", { class: "toolbar" }, buttons.add, buttons.remove, buttons.propose, buttons.frame),
          h("label", { class: "field inline" }, lock, t("setup.equidistant")),
          field(t("setup.decimals"), decimals),
          h("label", { class: "field inline" }, disc, t("setup.disc")),
          field(t("setup.revolutions"), revolutions),
          h("div", { class: "toolbar" }, buttons.test, h("span", { class: "spacer" }), buttons.reload, buttons.save),
          result),
        h("section", { class: "card", id: "setup-adaptation" },
          h("h2", {}, t("adapt.title")),
          field(t("adapt.typed"), typed),
          h("div", { class: "toolbar" }, teach, h("span", { class: "spacer" }), forget),
          teachResult, adaptation),
      ),
    ),
  );
  const observer = new ResizeObserver(render);
  observer.observe(editor);
  loadFrame();
  render();
  root.dataset.state = "ready";
  return () => observer.disconnect();
}
