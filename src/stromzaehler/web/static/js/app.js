// The page shell: hash routing, header (language, login), login dialog, toasts.

import { ApiError, login, logout, onSessionChange, refreshSession, session } from "./api.js";
import { lang, setLanguage, t } from "./i18n.js";

const PAGES = ["live", "dashboard", "pv", "setup", "review", "settings"];
const DEFAULT_PAGE = "dashboard";
const view = document.getElementById("view");
let current = { name: null, cleanup: null, token: 0 };

function parseHash() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [name, search = ""] = hash.split("?");
  return { name: PAGES.includes(name) ? name : DEFAULT_PAGE, params: new URLSearchParams(search) };
}

export function navigate(name, params = {}) {
  const search = new URLSearchParams(params).toString();
  const hash = `#/${name}${search ? `?${search}` : ""}`;
  if (location.hash === hash) return;
  // replaceState for parameter changes within a page keeps the back button useful
  location.hash = hash;
}

export function toast(message, isError = false) {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.classList.toggle("error", isError);
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, isError ? 8000 : 3500);
}

export function showError(error) {
  if (error instanceof ApiError && error.status === 401) {
    toast(t("auth.required"), true);
    openLogin();
    return;
  }
  toast(t("common.error", { message: error.message || String(error) }), true);
}

let loginWaiters = [];

export function openLogin() {
  const dialog = document.getElementById("login-dialog");
  document.getElementById("login-error").hidden = true;
  document.getElementById("login-note").textContent = session.passwordSet ? "" : t("auth.noPassword");
  if (!dialog.open) dialog.showModal();
  dialog.querySelector("input[name=password]").focus();
  return new Promise((resolve) => loginWaiters.push(resolve));
}

/** Resolves true when logged in (asking for the password if needed). */
export async function requireLogin() {
  if (session.authenticated) return true;
  return openLogin();
}

function settleLogin(ok) {
  for (const resolve of loginWaiters) resolve(ok);
  loginWaiters = [];
}

function setupLoginDialog() {
  const dialog = document.getElementById("login-dialog");
  const form = document.getElementById("login-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = form.elements.password;
    try {
      await login(input.value);
      input.value = "";
      dialog.close();
      settleLogin(true);
    } catch (error) {
      const box = document.getElementById("login-error");
      box.textContent = error.message;
      box.hidden = false;
    }
  });
  document.getElementById("login-cancel").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => settleLogin(session.authenticated));
}

function renderChrome() {
  document.documentElement.lang = lang;
  document.title = `${t("app.title")} · stromzaehler-pi`;
  for (const element of document.querySelectorAll("[data-text]")) {
    element.textContent = t(element.dataset.text);
  }
  document.getElementById("lang-switch").textContent = t("lang.switch");
  const authButton = document.getElementById("auth-button");
  authButton.textContent = session.authenticated ? t("auth.logout") : t("auth.login");
  authButton.classList.toggle("logged-in", session.authenticated);
  const { name } = parseHash();
  for (const link of document.querySelectorAll("#nav a")) {
    link.toggleAttribute("aria-current", link.dataset.page === name);
  }
}

async function route(force = false) {
  const { name, params } = parseHash();
  if (!force && current.name === name && current.search === params.toString()) return;
  const token = ++current.token;
  if (current.cleanup) {
    try { current.cleanup(); } catch (error) { console.warn(error); }
  }
  current.cleanup = null;
  current.name = name;
  current.search = params.toString();
  renderChrome();
  view.replaceChildren();
  delete view.dataset.state; // pages set "ready" when drawn (tests and screenshots wait for it)
  delete view.dataset.buckets;
  view.dataset.page = name;
  const page = await import(`./pages/${name}.js`);
  if (token !== current.token) return;
  try {
    current.cleanup = await page.mount(view, { params, navigate, toast, showError, requireLogin });
  } catch (error) {
    if (token === current.token) showError(error); // not on the page the user went on to
  }
}

async function start() {
  setupLoginDialog();
  document.getElementById("lang-switch").addEventListener("click", () => {
    setLanguage(lang === "de" ? "en" : "de");
    route(true);
  });
  document.getElementById("auth-button").addEventListener("click", async () => {
    if (session.authenticated) {
      try { await logout(); } catch (error) { showError(error); }
    } else {
      openLogin();
    }
  });
  onSessionChange(renderChrome);
  window.addEventListener("hashchange", () => route());
  try {
    await refreshSession();
  } catch (error) {
    showError(error);
  }
  await route(true);
}

start();
