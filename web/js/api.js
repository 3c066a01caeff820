// The API, from another origin (CORS). Tokens live in sessionStorage: gone with the tab.
import { language, t } from "./i18n.js";

const base = (window.CRM_CONFIG && window.CRM_CONFIG.api) || "";

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code;
    this.field = error.field;
    this.problems = error.problems || [];
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

// A document goes straight to S3 by the presigned POST the API hands out: its fields, the file
// last. Every failure names the document's slot, so the form can point at the file chosen.
export async function uploadDocument(serviceCode, slot, file) {
  const field = `documents.${slot}`;
  let place;
  try {
    place = await post("/uploads", { service_code: serviceCode, slot, content_type: file.type });
  } catch (error) {
    if (error instanceof ApiError && error.field === "content_type") throw new ApiError(error.status, { error: { message: t("upload.type"), field } });
    throw error;
  }
  if (file.size > place.max_bytes) throw new ApiError(413, { error: { message: t("upload.size", { mb: Math.floor(place.max_bytes / 1048576) }), field } });
  const body = new FormData();
  for (const [name, value] of Object.entries(place.fields)) body.append(name, value);
  body.append("file", file);
  let response;
  try {
    response = await fetch(place.url, { method: "POST", body });
  } catch {
    response = { ok: false, status: 0 }; // offline, or the bucket out of reach
  }
  if (!response.ok) throw new ApiError(response.status, { error: { message: t("upload.failed"), field } });
  return place.upload_id;
}
