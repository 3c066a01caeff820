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

// A form whose submit runs `action(values)`; an API error names its field (a form's every wrong
// field, when it lists them) and keeps the input.
export function form(fields, submitText, action) {
  const node = el("form", { novalidate: true }, ...fields, el("button", { type: "submit", text: submitText }));
  node.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = node.querySelector("button[type=submit]");
    button.disabled = true;
    say("");
    for (const marked of node.querySelectorAll("[aria-invalid]")) marked.removeAttribute("aria-invalid");
    try {
      await action(Object.fromEntries(new FormData(node).entries()));
    } catch (error) {
      // Each wrong field is told by its label, as the citizen sees it, not by its API name.
      const said = String(error.message || error);
      const problems = error.problems && error.problems.length ? error.problems : [{ field: error.field, message: said }];
      const wrong = [];
      const lines = problems.map(({ field: name, message }) => {
        const text = String(message ?? "");
        const input = name && node.querySelector(`[name="${CSS.escape(name)}"]`);
        if (!input) return null;
        wrong.push(input);
        const label = node.querySelector(`label[for="${CSS.escape(input.id)}"]`);
        return label ? `${label.textContent}: ${text.startsWith(`${name}: `) ? text.slice(name.length + 2) : text}` : text;
      });
      // Nothing on this page to point at (a conflict, a limit): the API's own words.
      say(wrong.length ? lines.filter(Boolean).join(" ") : said, "error");
      for (const input of wrong) input.setAttribute("aria-invalid", "true");
      if (wrong.length) wrong[0].focus();
    } finally {
      button.disabled = false;
    }
  });
  return node;
}

// A case's status in words; `kind` names whose words (a grievance's "status", an "application.status").
export function statusBadge(status, kind = "status") {
  return el("span", { class: "badge", text: t(`${kind}.${status}`) });
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "—";
}
