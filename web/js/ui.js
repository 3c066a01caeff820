// Small DOM helpers: every input has a label, every error is said where it happened.
import { t } from "./i18n.js";

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

let ids = 0;

// A labelled field: el("input") wrapped with its <label for>.
export function field(labelText, control) {
  const id = control.id || `f${++ids}`;
  control.id = id;
  return [el("label", { for: id, text: labelText }), control];
}

let kept = false;

// A message for the citizen; one said just before moving to another page is kept on it.
export function say(message, kind = "info") {
  const status = document.getElementById("status");
  status.replaceChildren(message ? el("p", { class: kind === "error" ? "error" : "", text: message }) : "");
  kept = Boolean(message);
}

export function clearStatusOnNewPage() {
  if (kept) kept = false;
  else say("");
}

export function show(title, ...content) {
  const view = document.getElementById("view");
  document.title = `${title} · ${t("app.title")}`;
  view.replaceChildren(el("h1", { text: title }), ...content);
  view.focus();
}

// A form whose submit runs `action(values)`; an API error names its field and keeps the input.
export function form(fields, submitText, action) {
  const node = el("form", { novalidate: true }, ...fields, el("button", { type: "submit", text: submitText }));
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = node.querySelector("button[type=submit]");
    button.disabled = true;
    say("");
    try {
      await action(Object.fromEntries(new FormData(node).entries()));
    } catch (error) {
      say(error.message || String(error), "error");
      const wrong = error.field && node.querySelector(`[name="${CSS.escape(error.field)}"]`);
      if (wrong) {
        wrong.setAttribute("aria-invalid", "true");
        wrong.focus();
      }
    } finally {
      button.disabled = false;
    }
  });
  return node;
}

export function statusBadge(status) {
  return el("span", { class: "badge", text: t(`status.${status}`) });
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "—";
}
