// Where the API is. `make dev` serves its own copy of this file naming the local API;
// `make deploy` publishes one naming the stage's API (infra/portal_bundle.py).
window.CRM_CONFIG = { api: "http://127.0.0.1:8000", languages: ["en", "hi", "or"] };
