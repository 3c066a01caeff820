// The API, from another origin (CORS). Tokens live in sessionStorage: gone with the tab.
import { language } from "./i18n.js";

const base = (window.CRM_CONFIG && window.CRM_CONFIG.api) || "";

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code;
    this.field = error.field;
  }
}

export function session() {
  const raw = sessionStorage.getItem("session");
  return raw ? JSON.parse(raw) : null;
}

export function saveSession(tokens) {
  sessionStorage.setItem("session", JSON.stringify(tokens));
}

export function endSession() {
  sessionStorage.removeItem("session");
}

export async function call(method, path, body, { auth = true, headers = {} } = {}) {
  const sent = { method, headers: { ...headers } };
  if (body !== undefined) {
    sent.headers["Content-Type"] = "application/json";
    sent.body = JSON.stringify(body);
  }
  const current = session();
  if (auth && current) sent.headers.Authorization = `Bearer ${current.access_token}`;
  let response = await fetch(base + path, sent);
  if (response.status === 401 && auth && current && current.refresh_token) {
    // The access token lasts minutes: one refresh, then the request again.
    const refreshed = await fetch(base + "/auth/refresh", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: current.refresh_token }),
    });
    if (refreshed.ok) {
      saveSession({ ...current, ...(await refreshed.json()) });
      sent.headers.Authorization = `Bearer ${session().access_token}`;
      response = await fetch(base + path, sent);
    }
  }
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

export const get = (path, options) => call("GET", path, undefined, options);
export const post = (path, body, options) => call("POST", path, body, options);

export function withLanguage(path) {
  return path + (path.includes("?") ? "&" : "?") + "lang=" + encodeURIComponent(language());
}
