// Settings: interval, light, time zone, maximum power, kept frame images, open reading;
// MQTT / Home Assistant; password change; login and logout; language.

import { get, logout, onSessionChange, post, put, session } from "../api.js";
import { field, h } from "../dom.js";
import { lang, t } from "../i18n.js";

export async function mount(root, { showError, toast, requireLogin }) {
  const [settings, zones, health] = await Promise.all([
    get("/api/settings"), get("/api/settings/timezones"), get("/api/health"),
  ]);
  const inputs = {
    interval: h("input", { type: "number", name: "interval_s", min: 1, max: 3600, step: "any", value: settings.capture.interval_s }),
    light: h("input", { type: "checkbox", name: "light_enabled", checked: settings.light.enabled }),
    timezone: h("input", { type: "text", name: "timezone", list: "zones", value: settings.analytics.timezone, autocomplete: "off" }),
    maxPower: h("input", { type: "number", name: "max_power_w", min: 1, max: 200000, step: "any", value: settings.gate.max_power_w }),
    kept: h("input", { type: "number", name: "rejected_frames_kept", min: 0, max: 100000, step: 1, value: settings.storage.rejected_frames_kept }),
    openRead: h("input", { type: "checkbox", name: "open_read", checked: settings.auth.open_read }),
  };
  const zoneList = h("datalist", { id: "zones" }, zones.map((zone) => h("option", { value: zone })));

  const form = h("form", { class: "card", id: "settings-form" },
    h("h2", {}, t("nav.settings")),
    field(t("settings.interval"), inputs.interval),
    h("label", { class: "field inline" }, inputs.light, t("settings.light")),
    field(t("settings.timezone"), inputs.timezone), zoneList,
    field(t("settings.maxPower"), inputs.maxPower),
    field(t("settings.kept"), inputs.kept),
    h("label", { class: "field inline" }, inputs.openRead, t("settings.openRead")),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, t("common.save"))),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!(await requireLogin())) return;
    try {
      await put("/api/settings", {
        capture: { interval_s: Number(inputs.interval.value) },
        light: { enabled: inputs.light.checked },
        analytics: { timezone: inputs.timezone.value.trim() },
        gate: { max_power_w: Number(inputs.maxPower.value) },
        storage: { rejected_frames_kept: Number(inputs.kept.value) },
        auth: { open_read: inputs.openRead.checked },
      });
      toast(t("common.saved"));
    } catch (error) {
      showError(error);
    }
  });

  const mqttForm = mqttCard(settings.mqtt, health.mqtt, { showError, toast, requireLogin });

  const oldPassword = h("input", { type: "password", name: "old_password", autocomplete: "current-password", required: true });
  const newPassword = h("input", { type: "password", name: "new_password", autocomplete: "new-password", minlength: 8, required: true });
  const passwordForm = h("form", { class: "card", id: "password-form" },
    h("h2", {}, t("settings.password")),
    field(t("settings.oldPassword"), oldPassword),
    field(t("settings.newPassword"), newPassword),
    h("div", { class: "buttons" }, h("button", { type: "submit" }, t("common.save"))),
  );
  passwordForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!(await requireLogin())) return;
    try {
      await post("/api/password", { old_password: oldPassword.value, new_password: newPassword.value });
      passwordForm.reset();
      await logout().catch(() => {});
      toast(t("settings.passwordChanged"));
    } catch (error) {
      showError(error);
    }
  });

  const account = h("section", { class: "card", id: "account" });
  function renderAccount() {
    account.replaceChildren(
      h("h2", {}, t("settings.account")),
      h("p", {}, session.authenticated ? t("auth.loggedIn") : t("auth.required")),
      session.authenticated
        ? h("button", { type: "button", onclick: () => logout().catch(showError) }, t("auth.logout"))
        : h("button", { type: "button", class: "primary", onclick: () => requireLogin() }, t("auth.login")),
      h("p", { class: "note" }, `${t("settings.language")}: ${lang === "de" ? "Deutsch" : "English"}`),
    );
  }
  const backup = h("section", { class: "card", id: "backup" });
  async function renderBackup() {
    if (!session.authenticated) {
      backup.replaceChildren(h("h2", {}, t("settings.backup")), h("p", {}, t("auth.required")));
      return;
    }
    try {
      const state = await get("/api/backup");
      const last = state.last;
      backup.replaceChildren(
        h("h2", {}, t("settings.backup")),
        h("p", { class: "backup-last" }, last
          ? t("settings.backupLast", { file: last.file, time: new Date(last.time).toLocaleString(), mb: (last.size_bytes / 1e6).toFixed(1) })
          : t("settings.backupNone")),
        h("p", { class: "note" }, t("settings.backupFolder", { folder: state.folder })),
        h("a", { class: "button", href: "/api/backup/download", download: "" }, t("settings.backupDownload")),
      );
    } catch (error) {
      showError(error);
    }
  }
  function renderSession() {
    renderAccount();
    renderBackup();
  }
  renderSession();
  const unsubscribe = onSessionChange(renderSession);

  root.append(h("div", { class: "grid two" }, h("div", {}, form, mqttForm), h("div", {}, account, passwordForm, backup)));
  return unsubscribe;
}

// The broker for Home Assistant: an empty host switches publishing off. The password is never
// shown; left empty it stays as it is.
function mqttCard(mqtt, state, { showError, toast, requireLogin }) {
  const text = (name, value, extra = {}) => h("input", { type: "text", name, value: value ?? "", autocomplete: "off", ...extra });
  const inputs = {
    host: text("mqtt_host", mqtt.host, { placeholder: "homeassistant.local" }),
    port: h("input", { type: "number", name: "mqtt_port", min: 1, max: 65535, step: 1, value: mqtt.port }),
    username: text("mqtt_username", mqtt.username),
    password: h("input", { type: "password", name: "mqtt_password", autocomplete: "new-password",
      placeholder: mqtt.password_set ? t("settings.mqttPasswordKept") : "" }),
    tls: h("input", { type: "checkbox", name: "mqtt_tls", checked: mqtt.tls }),
    baseTopic: text("mqtt_base_topic", mqtt.base_topic),
    prefix: text("mqtt_discovery_prefix", mqtt.discovery_prefix),
    clientId: text("mqtt_client_id", mqtt.client_id),
  };
  const status = state && state.state !== "off"
    ? t("settings.mqttState", { state: state.state, error: state.last_error || "" })
    : t("settings.mqttOff");
  const form = h("form", { class: "card", id: "mqtt-form" },
    h("h2", {}, t("settings.mqtt")),
    h("p", { class: "note", id: "mqtt-state" }, status),
    field(t("settings.mqttHost"), inputs.host),
    field(t("settings.mqttPort"), inputs.port),
    field(t("settings.mqttUsername"), inputs.username),
    field(t("settings.mqttPassword"), inputs.password),
    h("label", { class: "field inline" }, inputs.tls, "TLS"),
    field(t("settings.mqttBaseTopic"), inputs.baseTopic),
    field(t("settings.mqttPrefix"), inputs.prefix),
    field(t("settings.mqttClientId"), inputs.clientId),
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, t("common.save"))),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!(await requireLogin())) return;
    const change = {
      host: inputs.host.value.trim(), port: Number(inputs.port.value), username: inputs.username.value,
      tls: inputs.tls.checked, base_topic: inputs.baseTopic.value.trim(),
      discovery_prefix: inputs.prefix.value.trim(), client_id: inputs.clientId.value.trim(),
    };
    if (inputs.password.value) change.password = inputs.password.value;
    try {
      await put("/api/settings", { mqtt: change });
      inputs.password.value = "";
      toast(t("common.saved"));
    } catch (error) {
      showError(error);
    }
  });
  return form;
}
