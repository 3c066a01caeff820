// Words in the citizen's language. Each page module registers its own strings; a missing
// translation falls back to English, never to a key.
const dictionaries = { en: {}, hi: {}, or: {} };
let current = localStorage.getItem("language") || "en";

export function register(strings) {
  for (const [language, words] of Object.entries(strings)) {
    dictionaries[language] = { ...(dictionaries[language] || {}), ...words };
  }
}

export function t(key, values = {}) {
  const text = (dictionaries[current] || {})[key] ?? dictionaries.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : `{${name}}`));
}

export function language() {
  return current;
}

export function setLanguage(code) {
  current = code;
  localStorage.setItem("language", code);
  document.documentElement.lang = code;
}

// Static text in index.html marked with data-t.
export function translateStatic(root = document) {
  for (const node of root.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
}
