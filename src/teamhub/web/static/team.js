// The team page: forms post JSON-free form data with the xsrf token, long actions are followed
// line by line, and the sections are refreshed whenever the team changes (here, elsewhere, or by CLI).
"use strict";

(function () {
  const page = document.getElementById("team-page");
  if (!page) return;
  const prefix = page.dataset.prefix;
  const xsrf = page.dataset.xsrf;
  let version = page.dataset.version;

  function call(path, options = {}) {
    const headers = Object.assign({ "X-XSRFToken": xsrf }, options.headers || {});
    return fetch(prefix + path, Object.assign({ credentials: "same-origin" }, options, { headers }));
  }

  async function answer(response) {
    try {
      return await response.json();
    } catch (e) {
      return { error: `The team page answered ${response.status}; reload the page and try again.` };
    }
  }

  function part(form, what) {
    return document.getElementById(`${form}-${what}`);
  }

  function clear(formId) {
    const form = document.getElementById(formId);
    if (form) {
      form.querySelectorAll(".is-invalid").forEach((input) => {
        input.classList.remove("is-invalid");
        input.removeAttribute("aria-invalid");
      });
    }
    for (const what of ["error", "result", "progress"]) {
      const element = part(formId, what);
      if (element) {
        element.classList.add("d-none");
        element.textContent = "";
      }
    }
  }

  function showError(formId, message, field) {
    const form = document.getElementById(formId);
    const input = field && form ? form.querySelector(`[name="${field}"]`) : null;
    if (input) {
      input.classList.add("is-invalid");
      input.setAttribute("aria-invalid", "true");
      document.getElementById(`${input.id}-error`).textContent = message;
      input.focus();
      return;
    }
    const box = part(formId, "error");
    box.textContent = message;
    box.classList.remove("d-none");
  }

  function showResult(formId, message, secret, data) {
    const box = part(formId, "result");
    box.textContent = message;
    const good = !(data && data.ok === false); // a doctor run that found problems ended, but not well
    box.classList.toggle("alert-success", good);
    box.classList.toggle("alert-danger", !good);
    if (secret && secret.password) {
      const line = document.createElement("div");
      line.className = "mt-2";
      line.append("Password: ");
      const code = document.createElement("code");
      code.className = "generated-password fs-6";
      code.textContent = secret.password;
      line.append(code, " ");
      const copy = document.createElement("button");
      copy.type = "button";
      copy.className = "btn btn-sm btn-outline-secondary ms-1";
      copy.textContent = "Copy";
      copy.setAttribute("aria-label", "Copy the password");
      copy.addEventListener("click", () => navigator.clipboard && navigator.clipboard.writeText(secret.password));
      line.append(copy);
      const note = document.createElement("div");
      note.className = "small";
      note.textContent = "Shown once: give it to them now; it cannot be shown again.";
      box.append(line, note);
    }
    box.classList.remove("d-none");
  }

  function addLines(formId, lines) {
    const list = part(formId, "progress");
    if (!list || !lines.length) return;
    list.classList.remove("d-none");
    for (const text of lines) {
      const item = document.createElement("li");
      item.textContent = text;
      list.append(item);
    }
  }

  async function follow(formId, jobId) {
    let after = 0;
    let away = 0; // a tool change restarts the hub, and this page with it: keep asking for a while
    for (;;) {
      let response;
      try {
        response = await call(`api/jobs/${jobId}?after=${after}&wait=25`);
      } catch (e) {
        response = null;
      }
      if (!response || response.status >= 500 || !(response.headers.get("Content-Type") || "").includes("json")) {
        if (++away > 120) {
          showError(formId, "The team page has not come back for 4 minutes; see `teamhub status` and the activity list.");
          return false;
        }
        await new Promise((resolve) => setTimeout(resolve, 2000));
        continue;
      }
      away = 0;
      const job = await answer(response);
      if (!response.ok) {
        showError(formId, job.error);
        return false;
      }
      addLines(formId, job.lines);
      after = job.next;
      if (job.state === "done") {
        showResult(formId, job.message, job.secret, job.data);
        return true;
      }
      if (job.state === "failed") {
        showError(formId, job.error, job.field);
        return false;
      }
    }
  }

  async function submit(formId, path, body, buttons) {
    clear(formId);
    buttons.forEach((b) => (b.disabled = true));
    try {
      const response = await call(path, { method: "POST", body });
      const data = await answer(response);
      if (response.status === 202) {
        return await follow(formId, data.job);
      } else if (response.ok) {
        showResult(formId, data.message, data.secret);
        return true;
      } else {
        showError(formId, data.error, data.field);
      }
    } catch (e) {
      showError(formId, "The team page did not answer; check your connection and try again.");
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
    return false;
  }

  document.querySelectorAll("form.team-form[data-action]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = new URLSearchParams(new FormData(form));
      const ok = await submit(form.id, form.dataset.action, body, [...form.querySelectorAll("button")]);
      // passwords never stay in a field; a form that did its job starts empty again
      form.querySelectorAll("input[type=password]").forEach((input) => (input.value = ""));
      if (ok) form.reset();
    });
  });

  const dialog = document.getElementById("confirm-dialog");
  function confirmed(button) {
    return new Promise((resolve) => {
      document.getElementById("confirm-title").textContent = button.dataset.confirmTitle || "Are you sure?";
      document.getElementById("confirm-text").textContent = button.dataset.confirm;
      document.getElementById("confirm-ok").textContent = button.dataset.confirmOk || "Confirm";
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
      dialog.returnValue = "";
      dialog.showModal();
    });
  }

  // Buttons in live sections are replaced on refresh: one listener on the page handles them all.
  page.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-post]");
    if (!button) return;
    if (button.dataset.confirm && !(await confirmed(button))) return;
    await submit(button.dataset.form, button.dataset.post, new URLSearchParams(), [button]);
  });

  async function refresh() {
    const live = [...document.querySelectorAll(".live[data-section]")];
    await Promise.all(
      live.map(async (element) => {
        const response = await call(`fragment/${element.dataset.section}`);
        if (!response.ok) return;
        // a refresh must not fold up what the reader unfolded (an environment's history)
        const open = [...element.querySelectorAll("details[data-key][open]")].map((d) => d.dataset.key);
        element.innerHTML = await response.text();
        element.querySelectorAll("details[data-key]").forEach((d) => (d.open = open.includes(d.dataset.key)));
      }),
    );
    syncOptions();
    document.getElementById("live-status").textContent = "The page was updated.";
  }

  // Forms' choices (projects, users, environments) follow the live sections, keeping what was chosen.
  function syncOptions() {
    document.querySelectorAll("[data-options-source]").forEach((source) => {
      const names = JSON.parse(source.dataset.options || "[]");
      document.querySelectorAll(`select[data-options="${source.dataset.optionsSource}"]`).forEach((select) => {
        const chosen = select.value;
        const current = [...select.options].map((option) => option.value);
        if (current.join("\n") === names.join("\n")) return;
        select.replaceChildren(...names.map((name) => new Option(name, name, false, name === chosen)));
      });
      // a form about environments is shown only once there is one
      document.querySelectorAll(`form[data-needs-options="${source.dataset.optionsSource}"]`).forEach((form) => {
        form.hidden = names.length === 0;
      });
    });
  }

  async function watch() {
    for (;;) {
      try {
        const response = await call(`api/state?since=${encodeURIComponent(version)}&wait=25`);
        if (response.status === 403) return; // logged out or removed: stop polling
        const state = await response.json();
        if (state.version !== version) {
          version = state.version;
          await refresh();
        }
      } catch (e) {
        await new Promise((resolve) => setTimeout(resolve, 5000)); // the hub restarts: retry soon
      }
    }
  }
  watch();
})();
