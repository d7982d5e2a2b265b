(() => {
  const main = document.getElementById('main');
  const tenant = main.dataset.tenant;
  const uid = main.dataset.uid || undefined;
  // Without the WebAuthn library this page cannot use passkeys: the forms keep posting to the server, which
  // signs in with a pass and explains the rest; common.js says so at once.
  if (!window.SimpleWebAuthnBrowser || !window.Signet) return;
  const { startAuthentication, browserSupportsWebAuthnAutofill, WebAuthnAbortService } = SimpleWebAuthnBrowser;
  const base = `/${tenant}/signin`;

  async function finish(credential) {
    Signet.show('Checking your passkey…', 'info');
    const r = await Signet.call('POST', `${base}/passkey/verify`, { credential, uid, return: main.dataset.return });
    Signet.show('Signed in.', 'info');
    window.location.assign(r.redirect);
  }

  async function passkey(username) {
    try {
      const optionsJSON = await Signet.call('POST', `${base}/passkey/options`, username ? { username } : {});
      await finish(await startAuthentication({ optionsJSON }));
    } catch (e) {
      Signet.showError(e);
    }
  }

  async function autofill() {
    try {
      if (!(await browserSupportsWebAuthnAutofill())) return;
      const optionsJSON = await Signet.call('POST', `${base}/passkey/options`, {});
      await finish(await startAuthentication({ optionsJSON, useBrowserAutofill: true }));
    } catch (e) {
      // Autofill is cancelled whenever another ceremony starts; only real failures are shown.
      if (e && (e.name === 'AbortError' || e.name === 'NotAllowedError' || e.code === 'ERROR_CEREMONY_ABORTED')) return;
      Signet.showError(e);
    }
  }

  // A step-up that a passkey cannot give shows no passkey form (and asks the browser for none).
  const passkeyForm = document.getElementById('passkey-form');
  if (passkeyForm) {
    passkeyForm.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const username = document.getElementById('username').value.trim();
      if (!username) return Signet.showMessage(Signet.fieldMessage('REQUEST_INVALID', 'username', 'missing'));
      WebAuthnAbortService.cancelCeremony();
      passkey(username);
    });

    document.getElementById('passkey-any').addEventListener('click', () => {
      WebAuthnAbortService.cancelCeremony();
      passkey();
    });
    // A button that only the script can answer is shown only once the script has started.
    document.getElementById('passkey-any-row').hidden = false;
  }

  // Shown only while the tenant allows passwords; posted as JSON so that a refusal is shown in place.
  const passwordForm = document.getElementById('password-form');
  if (passwordForm)
    passwordForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      WebAuthnAbortService.cancelCeremony();
      try {
        const r = await Signet.call('POST', `${base}/password`, {
          username: document.getElementById('password-username').value.trim(),
          password: document.getElementById('password').value,
          uid,
          return: main.dataset.return,
        });
        Signet.show('Signed in.', 'info');
        window.location.assign(r.redirect);
      } catch (e) {
        document.getElementById('password').value = '';
        Signet.showError(e);
      }
    });

  // Shown only while the tenant's Temporary Access Pass method is on.
  const tapForm = document.getElementById('tap-form');
  if (tapForm)
    tapForm.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      WebAuthnAbortService.cancelCeremony();
      try {
        const r = await Signet.call('POST', `${base}/tap`, {
          username: document.getElementById('tap-username').value.trim(),
          pass: document.getElementById('tap').value,
          uid,
          return: main.dataset.return,
        });
        Signet.show('Signed in.', 'info');
        window.location.assign(r.redirect);
      } catch (e) {
        Signet.showError(e);
      }
    });

  Signet.ready();
  if (passkeyForm && !main.dataset.noautofill) autofill();
})();
