// JSON API calls with the session's CSRF token; errors carry the server's message.

export const session = { authenticated: false, csrfToken: null, passwordSet: true };
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function sessionChanged() {
  for (const listener of listeners) listener(session);
}

async function errorOf(response) {
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (typeof body.detail === "string") message = body.detail;
    else if (Array.isArray(body.detail)) message = body.detail.map((d) => d.msg).join("; ");
  } catch {
    // not JSON: keep the status line
  }
  if (response.status === 401 && session.authenticated) {
    session.authenticated = false;
    session.csrfToken = null;
    sessionChanged();
  }
  return new ApiError(response.status, message);
}

export async function request(method, path, body) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && session.csrfToken) headers["X-CSRF-Token"] = session.csrfToken;
  const response = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  if (!response.ok) throw await errorOf(response);
  return response.status === 204 ? null : response.json();
}

export const get = (path) => request("GET", path);
export const post = (path, body = {}) => request("POST", path, body);
export const put = (path, body) => request("PUT", path, body);

export async function refreshSession() {
  const state = await get("/api/session");
  session.authenticated = state.authenticated;
  session.csrfToken = state.csrf_token;
  session.passwordSet = state.password_set;
  sessionChanged();
  return session;
}

export async function login(password) {
  const result = await post("/api/login", { password });
  session.authenticated = true;
  session.csrfToken = result.csrf_token;
  sessionChanged();
}

export async function logout() {
  await post("/api/logout");
  session.authenticated = false;
  session.csrfToken = null;
  sessionChanged();
}

export function query(params) {
  return new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null)).toString();
}
