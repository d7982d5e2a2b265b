// Shared by the pages: JSON calls, and messages for a person in the status area (the words come from
// /static/messages.js, generated from src/web/messages.ts; the catalogue code goes in small print).

(() => {
  const FALLBACK = {
    text: 'Something went wrong on this page.',
    remediation: 'Reload the page and try again.',
  };
  const table = () => window.SignetMessages || { codes: {}, fields: {}, browser: {} };

  /** A Signet refusal: its code and detail, from the JSON error shape. */
  class SignetRefusal extends Error {
    constructor(status, error) {
      super(error?.message || `Request failed (${status})`);
      this.name = 'SignetRefusal';
      this.status = status;
      this.signetCode = typeof error?.code === 'string' ? error.code : undefined;
      this.detail = error?.innerError || {};
    }
  }

  /** The words for anything a page catches: a Signet refusal, the browser's passkey errors, anything else. */
  function messageFor(e) {
    const t = table();
    if (e instanceof SignetRefusal) {
      const field = e.detail?.field ? t.fields[`${e.signetCode}:${e.detail.field}`] : undefined;
      const sentence = field && (field[e.detail.problem || 'invalid'] || field.any);
      if (sentence) return { text: sentence, remediation: '', code: e.signetCode };
      const m = e.signetCode && t.codes[e.signetCode];
      if (m) return m;
      return { ...FALLBACK, code: e.signetCode };
    }
    if (e && typeof e.code === 'string' && t.browser[e.code]) return t.browser[e.code];
    if (e && typeof e.name === 'string' && t.browser[e.name]) return t.browser[e.name];
    if (e && e.name === 'TypeError' && t.browser.network) return t.browser.network;
    return t.browser.unknown || FALLBACK;
  }

  let ready = false;

  window.Signet = {
    async call(method, url, body) {
      const res = await fetch(url, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
      });
      const text = await res.text();
      let data = {};
      try {
        data = text ? JSON.parse(text) : {};
      } catch {
        data = {};
      }
      if (!res.ok) throw new SignetRefusal(res.status, data.error);
      return data;
    },
    /** The sentence for one field of a form, as the server would give it (src/web/messages.ts). */
    fieldMessage(code, field, problem) {
      const words = table().fields[`${code}:${field}`];
      const text = words && (words[problem] || words.any);
      return text ? { text, remediation: '', code } : { ...FALLBACK, code };
    },
    /** The catalogue code of a refusal (undefined for anything else). */
    codeOf(e) {
      return e instanceof SignetRefusal ? e.signetCode : undefined;
    },
    show(message, kind) {
      const el = document.getElementById('status');
      el.className = kind || 'error';
      el.replaceChildren();
      const p = document.createElement('p');
      p.className = 'status-text';
      p.textContent = message;
      el.append(p);
    },
    showMessage(m, kind) {
      Signet.show(m.text, kind);
      const el = document.getElementById('status');
      if (m.remediation) {
        const p = document.createElement('p');
        p.className = 'status-remediation';
        p.textContent = m.remediation;
        el.append(p);
      }
      if (m.code) {
        const p = document.createElement('p');
        p.className = 'status-code';
        const code = document.createElement('code');
        code.textContent = m.code;
        p.append('Error code: ', code);
        el.append(p);
      }
    },
    showError(e) {
      const quiet = e && (e.name === 'NotAllowedError' || e.name === 'AbortError');
      Signet.showMessage(messageFor(e), quiet ? 'info' : 'error');
    },
    /** The page's script calls this once it has set itself up. */
    ready() {
      ready = true;
    },
    /**
     * Says that the page cannot do its passkey part, in place of a silent reload; in its own notice, so that a
     * refusal the server rendered into the status area stays readable.
     */
    scriptFailed() {
      const el = document.getElementById('script-pending');
      if (!el) return Signet.showMessage(table().browser.scriptFailed || FALLBACK);
      // The server already said, in the status area, that the form needed the script: one message, not two.
      if (document.querySelector('#status.needs-script')) return el.remove();
      const m = table().browser.scriptFailed || FALLBACK;
      // The page's own words when it has them (what still works differs by page), else the shared ones.
      el.textContent = el.dataset.failed || `${m.text} ${m.remediation}`;
      el.classList.replace('script-pending', 'script-failed');
      el.id = 'script-failed';
    },
  };

  // Deferred scripts have all run (or failed to load) by DOMContentLoaded: the notice that the style sheet
  // reveals for a page whose script never started goes, or says that the page script did not start.
  document.addEventListener('DOMContentLoaded', () => {
    if (ready) document.getElementById('script-pending')?.remove();
    else Signet.scriptFailed();
  });
})();
