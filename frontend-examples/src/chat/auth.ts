// Sign-in (e-mail and password, then the TOTP code when two-factor is on), sign-up and
// e-mail verification.

import { describe, GatewayError } from "../lib/gateway";
import { byId, h, mount } from "../lib/dom";
import { LOGIN, REGISTER, RESEND_VERIFICATION, VERIFY_EMAIL } from "./operations";
import { gw, hooks } from "./state";

const root = () => byId("app");

/** `login` answers UNAUTHENTICATED "Two-factor code required" until `otpCode` is given. */
function isTwoFactorRequired(error: unknown): boolean {
  return (
    error instanceof GatewayError && error.code === "UNAUTHENTICATED" && /two-factor code required/i.test(error.message)
  );
}

function isUnverified(error: unknown): boolean {
  return error instanceof GatewayError && error.code === "FORBIDDEN" && /not verified/i.test(error.message);
}

export function showAuth(notice = "", email = ""): void {
  mount(root(), signInForm(notice, email));
}

async function signIn(email: string, password: string, otpCode: string | null): Promise<void> {
  const { login } = await gw.mutate(LOGIN, { email, password, otpCode });
  gw.store.set(login);
  hooks.signedIn(login.user);
}

function signInForm(notice: string, email: string): HTMLElement {
  const error = h("div", { className: "error", id: "auth-error" });
  const emailInput = h("input", {
    type: "email",
    name: "email",
    required: true,
    value: email,
    autocomplete: "username",
  });
  const password = h("input", { type: "password", name: "password", required: true, autocomplete: "current-password" });
  const form = h(
    "form",
    { className: "card", id: "sign-in" },
    h("h2", null, "Sign in"),
    notice ? h("div", { className: "hint", id: "auth-notice" }, notice) : null,
    h("label", null, "E-mail", emailInput),
    h("label", null, "Password", password),
    error,
    h("button", { type: "submit" }, "Sign in"),
    h(
      "div",
      { className: "row" },
      h(
        "button",
        { type: "button", className: "secondary", id: "show-sign-up", onclick: () => mount(root(), signUpForm()) },
        "Create an account",
      ),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const address = emailInput.value.trim();
    try {
      await signIn(address, password.value, null);
    } catch (e) {
      if (isTwoFactorRequired(e)) mount(root(), otpForm(address, password.value));
      else if (isUnverified(e)) mount(root(), verifyForm(address, describe(e)));
      else error.textContent = describe(e);
    }
  });
  return form;
}

function otpForm(email: string, password: string): HTMLElement {
  const error = h("div", { className: "error", id: "auth-error" });
  const code = h("input", {
    name: "otp",
    inputMode: "numeric",
    autocomplete: "one-time-code",
    pattern: "[0-9]{6}",
    maxLength: 6,
    required: true,
  });
  const form = h(
    "form",
    { className: "card", id: "otp" },
    h("h2", null, "Two-factor code"),
    h("div", { className: "hint" }, "Enter the 6-digit code from your authenticator app."),
    h("label", null, "Code", code),
    error,
    h("button", { type: "submit" }, "Verify"),
    h("button", { type: "button", className: "secondary", onclick: () => showAuth("", email) }, "Back"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      await signIn(email, password, code.value.trim());
    } catch (e) {
      error.textContent = describe(e);
    }
  });
  setTimeout(() => code.focus());
  return form;
}

function signUpForm(): HTMLElement {
  const error = h("div", { className: "error", id: "auth-error" });
  const name = h("input", { name: "name", autocomplete: "name" });
  const email = h("input", { type: "email", name: "email", required: true, autocomplete: "username" });
  const password = h("input", {
    type: "password",
    name: "password",
    required: true,
    minLength: 8,
    autocomplete: "new-password",
  });
  const form = h(
    "form",
    { className: "card", id: "sign-up" },
    h("h2", null, "Create an account"),
    h("label", null, "Name", name),
    h("label", null, "E-mail", email),
    h("label", null, "Password", password),
    error,
    h("button", { type: "submit" }, "Sign up"),
    h("button", { type: "button", className: "secondary", onclick: () => showAuth() }, "I have an account"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      const { register } = await gw.mutate(REGISTER, {
        input: { email: email.value.trim(), password: password.value, name: name.value.trim() || null },
      });
      mount(root(), verifyForm(email.value.trim(), register.message));
    } catch (e) {
      error.textContent = describe(e);
    }
  });
  return form;
}

function verifyForm(email: string, notice: string): HTMLElement {
  const error = h("div", { className: "error", id: "auth-error" });
  const token = h("input", { name: "token", required: true, autocomplete: "off" });
  const resend = async () => {
    try {
      error.textContent = (await gw.mutate(RESEND_VERIFICATION, { email })).resendVerification.message;
    } catch (e) {
      error.textContent = describe(e);
    }
  };
  const form = h(
    "form",
    { className: "card", id: "verify" },
    h("h2", null, "Verify your e-mail"),
    h("div", { className: "hint" }, notice, " Open the link in the mail, or paste its token here."),
    h("label", null, "Token", token),
    error,
    h("button", { type: "submit" }, "Verify"),
    h("button", { type: "button", className: "secondary", onclick: () => void resend() }, "Send the mail again"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      await gw.mutate(VERIFY_EMAIL, { token: token.value.trim() });
      showAuth("E-mail verified. Sign in.", email);
    } catch (e) {
      error.textContent = describe(e);
    }
  });
  return form;
}

/** The link of the verification mail (FRONTEND_URL/verify-email?token=…, redirected here). */
export async function verifyFromLink(token: string): Promise<void> {
  try {
    await gw.mutate(VERIFY_EMAIL, { token });
    showAuth("E-mail verified. Sign in.");
  } catch (e) {
    showAuth(`Verification failed: ${describe(e)}`);
  }
}
