// Shared by the pages: JSON calls that turn Signet's error shape into a message for a person.

window.Signet = {
  async call(method, url, body) {
    const res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
    const text = await res.text();
    const data = text ? JSON.parse(text) : {};
    if (!res.ok) {
      const e = new Error(data.error?.message || `Request failed (${res.status})`);
      e.code = data.error?.code;
      e.remediation = data.error?.remediation;
      throw e;
    }
    return data;
  },
  show(message, kind) {
    const el = document.getElementById('status');
    el.className = kind || 'error';
    el.textContent = message;
  },
  showError(e) {
    if (e && e.name === 'NotAllowedError') return Signet.show('The passkey prompt was closed or timed out. Try again.');
    const text = e.remediation ? `${e.message} ${e.remediation}` : String(e.message || e);
    Signet.show(e.code ? `${text} (${e.code})` : text);
  },
};
