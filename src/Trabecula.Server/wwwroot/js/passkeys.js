// Passkeys (WebAuthn) for the sign-in and MFA pages. Served from 'self' (CSP allows no inline script).
// The server hands out options in the WebAuthn JSON forms; the browser turns them into requests
// with PublicKeyCredential.parse*OptionsFromJSON and sends credential.toJSON() back.
(() => {
  "use strict";

  const token = () => document.querySelector('input[name="__RequestVerificationToken"]')?.value ?? "";

  const post = (url, body) => fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-TOKEN": token() },
    body: JSON.stringify(body ?? {}),
  });

  const show = (id, text) => {
    const element = document.getElementById(id);
    if (element) {
      element.textContent = text;
      element.hidden = false;
    }
  };

  const register = document.getElementById("passkey-register");
  if (register) {
    register.addEventListener("click", async () => {
      try {
        const options = await (await post("/api/me/passkeys/options")).json();
        const credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) });
        const saved = await post("/api/me/passkeys", credential.toJSON());
        if (!saved.ok) {
          throw new Error(String(saved.status));
        }
        window.location.assign("/account/status");
      } catch {
        show("passkey-status", register.dataset.failed);
      }
    });
  }

  const signIn = document.getElementById("passkey-sign-in");
  if (signIn) {
    signIn.addEventListener("click", async () => {
      try {
        const userName = document.getElementById("user-name")?.value || null;
        const options = await (await post("/api/auth/passkey/options", { userName })).json();
        const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
        const result = await post("/api/auth/passkey/login", credential.toJSON());
        if (!result.ok) {
          throw new Error(String(result.status));
        }
        const session = await result.json();
        const returnUrl = document.querySelector('#sign-in-form input[name="returnUrl"]')?.value;
        const local = returnUrl && returnUrl.startsWith("/") && !returnUrl.startsWith("//") ? returnUrl : "/";
        window.location.assign(session.setupRequired.length > 0 || session.status !== "Active" ? "/account/status" : local);
      } catch {
        show("passkey-error", signIn.dataset.failed);
      }
    });
  }
})();
