// Retrying assertions on Playwright locators (playwright-core has no `expect`): each one
// polls until it holds or its timeout (default 15 s) runs out.

const DEFAULT_TIMEOUT = 15_000;

async function until(check, describe, timeout = DEFAULT_TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last;
  for (let delay = 50; ; delay = Math.min(delay * 2, 250)) {
    try {
      last = await check();
      if (last.ok) return;
    } catch (error) {
      last = { ok: false, actual: `error: ${error.message.split("\n")[0]}` };
    }
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  throw new Error(`expected ${describe} within ${timeout} ms, got ${JSON.stringify(last?.actual)}`);
}

const matches = (actual, expected, contains = false) => {
  if (actual === null || actual === undefined) return false;
  if (expected instanceof RegExp) return expected.test(actual);
  return contains ? actual.includes(expected) : actual === expected;
};

/** The trimmed, whitespace-collapsed text of the one element of `locator`. */
async function textOf(locator) {
  const count = await locator.count();
  if (count !== 1) return { count };
  return ((await locator.textContent({ timeout: 1000 })) ?? "").replace(/\s+/g, " ").trim();
}

function assertions(locator, negate) {
  const name = `${locator}`;
  const run = (describe, check, options) =>
    until(
      async () => {
        const { ok, actual, invalid } = await check();
        // "not" never passes on a locator that does not resolve to one element.
        return { ok: invalid ? false : negate ? !ok : ok, actual };
      },
      `${name} ${negate ? "not " : ""}${describe}`,
      options?.timeout,
    );
  return {
    toBeVisible: (options) =>
      run(
        "to be visible",
        async () => ({ ok: await locator.isVisible(), actual: `count ${await locator.count()}` }),
        options,
      ),
    toBeHidden: (options) =>
      run("to be hidden", async () => ({ ok: await locator.isHidden(), actual: "visible" }), options),
    toHaveCount: (n, options) =>
      run(
        `to have count ${n}`,
        async () => {
          const count = await locator.count();
          return { ok: count === n, actual: count };
        },
        options,
      ),
    toHaveText: (expected, options) =>
      run(
        `to have text ${expected}`,
        async () => {
          const actual = await textOf(locator);
          return {
            ok: typeof actual === "string" && matches(actual, expected),
            actual,
            invalid: typeof actual !== "string",
          };
        },
        options,
      ),
    toContainText: (expected, options) =>
      run(
        `to contain text ${expected}`,
        async () => {
          const actual = await textOf(locator);
          return {
            ok: typeof actual === "string" && matches(actual, expected, true),
            actual,
            invalid: typeof actual !== "string",
          };
        },
        options,
      ),
    toHaveAttribute: (attribute, expected, options) =>
      run(
        `to have [${attribute}=${expected}]`,
        async () => {
          if ((await locator.count()) !== 1)
            return { ok: false, actual: `count ${await locator.count()}`, invalid: true };
          const actual = await locator.getAttribute(attribute, { timeout: 1000 });
          return { ok: matches(actual, expected), actual };
        },
        options,
      ),
    toHaveValue: (expected, options) =>
      run(
        `to have value ${expected}`,
        async () => {
          const actual = await locator.inputValue({ timeout: 1000 });
          return { ok: matches(actual, expected), actual };
        },
        options,
      ),
  };
}

export function expect(locator) {
  return { ...assertions(locator, false), not: assertions(locator, true) };
}

/** expect.poll(fn).toBe(value): retries `fn` until it returns `value`. */
expect.poll = (fn, options = {}) => ({
  toBe: (expected) =>
    until(
      async () => {
        const actual = await fn();
        return { ok: Object.is(actual, expected), actual };
      },
      `poll to be ${JSON.stringify(expected)}`,
      options.timeout,
    ),
});
