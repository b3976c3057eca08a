// Telegram Mini App: signs in with the raw `window.Telegram.WebApp.initData` through the
// `authenticateTelegram` mutation, then shows and edits the profile (`me`, `updateProfile`).

import "../lib/style.css";
import "./miniapp.css";
import { describe, Gateway, GatewayError, gql, TokenStore } from "../lib/gateway";
import { byId, h, mount } from "../lib/dom";

/** The part of telegram-web-app.js this page uses; everything but initData is optional. */
interface TelegramWebApp {
  initData: string;
  initDataUnsafe?: { user?: { id: number; first_name?: string; photo_url?: string } };
  colorScheme?: "light" | "dark";
  themeParams?: Record<string, string | undefined>;
  ready?: () => void;
  expand?: () => void;
  MainButton?: {
    setText: (text: string) => void;
    show: () => void;
    onClick: (callback: () => void) => void;
    showProgress?: (leaveActive?: boolean) => void;
    hideProgress?: () => void;
  };
  HapticFeedback?: { notificationOccurred: (type: "error" | "success" | "warning") => void };
}

const TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js";

interface Profile {
  id: string;
  telegramId: number | null;
  username: string | null;
  name: string | null;
  displayName: string;
  firstName: string | null;
  lastName: string | null;
  languageCode: string;
  isPremium: boolean;
  bio: string | null;
  avatarUrl: string | null;
  allowPrivateMessages: boolean;
  privacyLastSeen: "EVERYONE" | "CONTACTS" | "NOBODY" | null;
}

const PROFILE_FIELDS = `
  id telegramId username name displayName firstName lastName languageCode isPremium bio avatarUrl
  allowPrivateMessages privacyLastSeen
`;

const AUTHENTICATE_TELEGRAM = gql<
  { authenticateTelegram: { accessToken: string; refreshToken: string; user: Profile } },
  { initData: string }
>`
  mutation AuthenticateTelegram($initData: String!) {
    authenticateTelegram(initData: $initData) {
      accessToken refreshToken user { ${PROFILE_FIELDS} }
    }
  }
`;

const UPDATE_PROFILE = gql<{ updateProfile: Profile }, { input: Record<string, unknown> }>`
  mutation UpdateProfile($input: UpdateProfileInput!) {
    updateProfile(input: $input) { ${PROFILE_FIELDS} }
  }
`;

const root = byId("app");
const gw = new Gateway({ store: new TokenStore("mg.miniapp.tokens") });

/** window.Telegram.WebApp; loads Telegram's script first when Telegram opened the page. */
async function webApp(): Promise<TelegramWebApp | null> {
  const existing = (window as { Telegram?: { WebApp?: TelegramWebApp } }).Telegram?.WebApp;
  if (existing) return existing;
  // Telegram puts the launch parameters into the hash (#tgWebAppData=…).
  if (!location.hash.includes("tgWebAppData")) return null;
  await new Promise<void>((resolve, reject) => {
    const script = h("script", { src: TELEGRAM_SCRIPT, async: true });
    script.addEventListener("load", () => resolve());
    script.addEventListener("error", () => reject(new Error("telegram-web-app.js did not load")));
    document.head.append(script);
  });
  return (window as { Telegram?: { WebApp?: TelegramWebApp } }).Telegram?.WebApp ?? null;
}

/** Telegram's script sets these CSS variables itself; an injected WebApp may not. */
function applyTheme(app: TelegramWebApp): void {
  for (const [key, value] of Object.entries(app.themeParams ?? {})) {
    if (value) document.documentElement.style.setProperty(`--tg-theme-${key.replace(/_/g, "-")}`, value);
  }
  document.documentElement.dataset.colorScheme = app.colorScheme ?? "light";
}

async function signIn(initData: string, app: TelegramWebApp | null): Promise<void> {
  mount(root, h("div", { className: "card hint", id: "loading" }, "Signing in…"));
  try {
    const { authenticateTelegram } = await gw.mutate(AUTHENTICATE_TELEGRAM, { initData });
    gw.store.set(authenticateTelegram);
    showProfile(authenticateTelegram.user, app, initData);
  } catch (e) {
    const hint =
      e instanceof GatewayError && e.code === "UNAUTHENTICATED" ? " Close the Mini App and open it again." : "";
    mount(
      root,
      h("div", { className: "card" }, h("div", { className: "error", id: "sign-in-error" }, describe(e), hint)),
    );
  }
}

function showProfile(user: Profile, app: TelegramWebApp | null, initData: string): void {
  const photo = user.avatarUrl ?? app?.initDataUnsafe?.user?.photo_url ?? null;
  const field = (name: string, label: string, input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement) =>
    h("label", null, label, input, h("span", { className: "error field-error", dataset: { field: name } }));
  const name = h("input", { name: "name", value: user.name ?? "", maxLength: 256 });
  const username = h("input", {
    name: "username",
    value: user.username ?? "",
    maxLength: 32,
    placeholder: "3–32 letters, digits or _",
  });
  const bio = h("textarea", { name: "bio", value: user.bio ?? "", maxLength: 500, rows: 3 });
  const language = h("input", { name: "languageCode", value: user.languageCode, maxLength: 10 });
  const lastSeen = h(
    "select",
    { name: "privacyLastSeen" },
    ...(["EVERYONE", "CONTACTS", "NOBODY"] as const).map((level) =>
      h("option", { value: level, selected: user.privacyLastSeen === level }, level.toLowerCase()),
    ),
  );
  const allowPm = h("input", { type: "checkbox", name: "allowPrivateMessages", checked: user.allowPrivateMessages });
  const result = h("div", { id: "save-result", className: "hint" });
  const save = h("button", { type: "submit", id: "save" }, "Save");
  const form = h(
    "form",
    { className: "card", id: "profile" },
    h(
      "div",
      { className: "row" },
      photo
        ? h("img", { className: "avatar", src: photo, alt: "" })
        : h("div", { className: "avatar placeholder" }, user.displayName.slice(0, 1)),
      h(
        "div",
        null,
        h("div", { id: "display-name", className: "name" }, user.displayName, user.isPremium ? " ⭐" : ""),
        h("div", { className: "hint", id: "handle" }, user.username ? `@${user.username}` : "no username"),
        h("div", { className: "hint", id: "telegram-id" }, `Telegram id ${user.telegramId ?? "—"}`),
      ),
    ),
    field("name", "Name", name),
    field("username", "Username", username),
    field("bio", "Bio", bio),
    field("languageCode", "Language", language),
    field("privacyLastSeen", "Who sees my last seen time", lastSeen),
    h("label", { className: "row checkbox" }, allowPm, "Allow private messages"),
    save,
    result,
  );

  let saving = false;
  const submit = async () => {
    if (saving) return;
    saving = true;
    save.disabled = true;
    app?.MainButton?.showProgress?.(false);
    result.textContent = "";
    form.querySelectorAll<HTMLElement>(".field-error").forEach((el) => (el.textContent = ""));
    // Only what changed: omitted fields stay as they are, `null` clears one.
    const wanted: Record<string, unknown> = {
      name: name.value.trim() || null,
      username: username.value.trim() || null,
      bio: bio.value.trim() || null,
      languageCode: language.value.trim() || user.languageCode,
      privacyLastSeen: lastSeen.value,
      allowPrivateMessages: allowPm.checked,
    };
    const input = Object.fromEntries(
      Object.entries(wanted).filter(([key, value]) => (user as unknown as Record<string, unknown>)[key] !== value),
    );
    try {
      const { updateProfile } = await gw.mutate(UPDATE_PROFILE, { input });
      user = updateProfile;
      byId("display-name").textContent = updateProfile.displayName + (updateProfile.isPremium ? " ⭐" : "");
      byId("handle").textContent = updateProfile.username ? `@${updateProfile.username}` : "no username";
      result.textContent = "Saved.";
      app?.HapticFeedback?.notificationOccurred("success");
    } catch (e) {
      if (e instanceof GatewayError && e.code === "UNAUTHENTICATED") {
        // initData is still valid for a day: sign in again rather than failing.
        return void signIn(initData, app);
      }
      const fields = e instanceof GatewayError ? e.fields : {};
      for (const [key, message] of Object.entries(fields)) {
        const slot = form.querySelector<HTMLElement>(`.field-error[data-field="${key}"]`);
        if (slot) slot.textContent = message;
      }
      result.textContent = describe(e);
      result.className = "error";
      app?.HapticFeedback?.notificationOccurred("error");
    } finally {
      saving = false;
      save.disabled = false;
      app?.MainButton?.hideProgress?.();
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    result.className = "hint";
    void submit();
  });
  mount(root, form);
  if (app?.MainButton) {
    app.MainButton.setText("Save");
    app.MainButton.onClick(() => void submit());
    app.MainButton.show();
  }
}

/** Outside Telegram: explain, and let a developer paste initData signed with the bot token. */
function showOutsideTelegram(): void {
  const text = h("textarea", { id: "init-data", rows: 4, placeholder: "user=%7B%22id%22…&auth_date=…&hash=…" });
  const form = h(
    "form",
    { className: "card", id: "outside" },
    h("h2", null, "Open this page from Telegram"),
    h(
      "p",
      { className: "hint" },
      "Telegram passes the signed launch data (initData) to Mini Apps. For local testing, paste initData signed with your TELEGRAM_BOT_TOKEN (see tests/js/sign-init-data.mjs):",
    ),
    text,
    h("button", { type: "submit" }, "Sign in"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (text.value.trim()) void signIn(text.value.trim(), null);
  });
  mount(root, form);
}

async function boot(): Promise<void> {
  let app: TelegramWebApp | null = null;
  try {
    app = await webApp();
  } catch (e) {
    mount(root, h("div", { className: "card error" }, describe(e)));
    return;
  }
  if (!app || !app.initData) return showOutsideTelegram();
  applyTheme(app);
  app.ready?.();
  app.expand?.();
  await signIn(app.initData, app);
}

void boot();
