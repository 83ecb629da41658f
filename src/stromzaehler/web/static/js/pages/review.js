// Review: rejected frames with reason and digit crops; correct the reading or mark unreadable;
// export the labelled crops as a training set.

import { get, post } from "../api.js";
import { h } from "../dom.js";
import { formatDateTime, formatKwh, formatNumber, reasonText, t } from "../i18n.js";

const PAGE_SIZE = 20;

export async function mount(root, { showError, toast, requireLogin }) {
  const settings = await get("/api/settings");
  const timeZone = settings.analytics.timezone;
  const list = h("div", { class: "frames", id: "frames" });
  const more = h("button", { type: "button", id: "frames-more", hidden: true }, t("review.more"));
  let before = null;

  function card(frame) {
    const input = h("input", { type: "text", inputmode: "decimal", name: "reading", "aria-label": t("review.correct"),
      placeholder: frame.reading || "", autocomplete: "off" });
    const element = h("article", { class: "card frame-card", "data-frame-id": frame.id });
    const form = h("form", { class: "row" },
      h("label", { class: "field" }, h("span", {}, t("review.correct")), input, h("small", {}, t("review.correctHint"))),
      h("button", { type: "submit", class: "primary" }, t("review.store")),
      h("button", { type: "button", class: "unreadable", onclick: () => act(async () => {
        await post(`/api/frames/${frame.id}/unreadable`);
        toast(t("review.markedUnreadable"));
      }) }, t("review.unreadable")),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      act(async () => {
        const result = await post(`/api/frames/${frame.id}/correction`, { reading: input.value });
        toast(t("review.corrected", { kwh: formatNumber(result.corrected_wh / 1000, 1) }));
      });
    });
    async function act(action) {
      if (!(await requireLogin())) return;
      try {
        await action();
        element.remove();
      } catch (error) {
        showError(error);
      }
    }
    const crops = (frame.boxes || []).map((_, i) => {
      const digit = frame.digits[i];
      return h("figure", { class: "crop" },
        frame.has_image ? h("img", { src: `/api/frames/${frame.id}/crops/${i}`, alt: `${i + 1}`, loading: "lazy" }) : null,
        h("figcaption", {}, digit ? `${digit.digit ?? "?"} · ${formatNumber(digit.confidence * 100, 0)} %` : "?"));
    });
    element.append(
      frame.has_image ? h("a", { href: `/api/frames/${frame.id}/image`, target: "_blank" },
        h("img", { class: "full", src: `/api/frames/${frame.id}/image`, alt: "", loading: "lazy" })) : h("div", {}),
      h("div", {},
        h("h3", {}, formatDateTime(frame.time, timeZone, { dateStyle: "medium", timeStyle: "medium" })),
        h("p", {}, `${t("review.reason")}: `, h("b", { class: "reason" }, frame.reason ? reasonText(frame.reason) : "?"), " · ",
          `${t("review.read")}: ${frame.reading ?? "?"}`,
          frame.counter_wh != null ? ` (${formatKwh(frame.counter_wh / 1000, 1)})` : ""),
        h("div", { class: "crops" }, crops),
        form),
    );
    return element;
  }

  async function load() {
    try {
      const page = await get(`/api/frames?status=rejected&limit=${PAGE_SIZE}${before ? `&before=${before}` : ""}`);
      list.append(...page.frames.map(card));
      before = page.next_before;
      more.hidden = !before;
      if (!list.children.length) list.append(h("p", { class: "note", id: "frames-none" }, t("review.none")));
    } catch (error) {
      showError(error);
    }
  }
  more.addEventListener("click", load);

  root.append(
    h("section", { class: "card" },
      h("h1", {}, t("nav.review")),
      h("p", { class: "note" }, t("review.intro")),
      h("a", { href: "/api/frames/export.zip", download: "stromzaehler-digits.zip", id: "export-zip" }, t("review.export"))),
    list, more,
  );
  await load();
  root.dataset.state = "ready";
}
