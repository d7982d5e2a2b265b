(() => {
  const main = document.getElementById('main');
  const tenant = main.dataset.tenant;
  // Without the WebAuthn library a passkey cannot be added; renaming and deleting keep working as form posts,
  // and common.js says what is missing.
  if (!window.SimpleWebAuthnBrowser || !window.Signet) return;
  const { startRegistration } = SimpleWebAuthnBrowser;
  const base = `/${tenant}/account/passkeys`;
  // The app's sign-in request when the person came from "Set up now" (routes/campaign.ts), kept on every address.
  const cont = main.dataset.continue;
  const here = (done) => {
    const q = new URLSearchParams();
    if (done) q.set('done', done);
    if (cont) q.set('continue', cont);
    const query = q.toString();
    return `/${tenant}/account${query ? `?${query}` : ''}`;
  };
  // The same confirmation the forms get without script (the server words it: /account?done=…).
  const done = (what) => window.location.assign(here(what));

  function reauthenticate() {
    Signet.show('For your security, sign in again first. Taking you to sign-in…', 'info');
    const back = encodeURIComponent(here());
    window.location.assign(`/${tenant}/signin?return=${back}&reauth=1`);
  }

  document.getElementById('add-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const name = document.getElementById('new-name').value.trim();
    try {
      const optionsJSON = await Signet.call('POST', `${base}/options`, {});
      Signet.show('Follow your browser to create the passkey…', 'info');
      const credential = await startRegistration({ optionsJSON });
      await Signet.call('POST', `${base}/verify`, name ? { credential, name } : { credential });
      // On to the app that asked for the sign-in: /signin/continue answers it now that there is a passkey.
      if (cont) {
        Signet.show('The passkey was added. Taking you back to the app…', 'info');
        return window.location.assign(`/${tenant}/signin/continue?uid=${encodeURIComponent(cont)}`);
      }
      done('added');
    } catch (e) {
      if (Signet.codeOf(e) === 'PASSKEY_STRONG_AUTH_REQUIRED') return reauthenticate();
      Signet.showError(e);
    }
  });

  for (const item of document.querySelectorAll('li.passkey')) {
    const id = item.dataset.id;
    item.querySelector('.rename-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const displayName = ev.target.displayName.value;
      if (!displayName.trim()) {
        return Signet.showMessage(Signet.fieldMessage('PASSKEY_NAME_INVALID', 'displayName', 'missing'));
      }
      try {
        await Signet.call('PATCH', `${base}/${id}`, { displayName });
        done('renamed');
      } catch (e) {
        Signet.showError(e);
      }
    });
    item.querySelector('.delete-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const name = item.querySelector('.passkey-name').textContent;
      const last = document.querySelectorAll('li.passkey').length === 1;
      const question = last
        ? `Delete passkey “${name}”? It is your only passkey: you will need a Temporary Access Pass from your administrator to sign in again.`
        : `Delete passkey “${name}”? You will no longer be able to sign in with it.`;
      if (!window.confirm(question)) return;
      try {
        await Signet.call('DELETE', `${base}/${id}`);
        done('deleted');
      } catch (e) {
        if (Signet.codeOf(e) === 'PASSKEY_STRONG_AUTH_REQUIRED') return reauthenticate();
        Signet.showError(e);
      }
    });
  }

  Signet.ready();
})();
