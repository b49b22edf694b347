import { afterEach, expect, test } from "bun:test";
import { boolEnv, intEnv, optionalEnv, requiredEnv } from "./config.ts";
import { ConfigError } from "./errors.ts";

const NAME = "RELAY_TEST_VAR";
afterEach(() => {
  delete process.env[NAME];
});

test("requiredEnv names the variable and the fix", () => {
  expect(() => requiredEnv(NAME, "set it to X")).toThrow(new ConfigError(`${NAME} is not set: set it to X`));
  process.env[NAME] = "  value ";
  expect(requiredEnv(NAME)).toBe("value");
});

test("optionalEnv falls back on unset and blank", () => {
  expect(optionalEnv(NAME, "d")).toBe("d");
  process.env[NAME] = " ";
  expect(optionalEnv(NAME, "d")).toBe("d");
});

test("intEnv checks the range and shows the bad value", () => {
  expect(intEnv(NAME, 3, 1, 10)).toBe(3);
  process.env[NAME] = "7";
  expect(intEnv(NAME, 3, 1, 10)).toBe(7);
  process.env[NAME] = "11";
  expect(() => intEnv(NAME, 3, 1, 10)).toThrow('"11" is not a whole number from 1 to 10');
  process.env[NAME] = "2.5";
  expect(() => intEnv(NAME, 3, 1, 10)).toThrow(ConfigError);
});

test("boolEnv accepts the usual spellings only", () => {
  expect(boolEnv(NAME)).toBe(false);
  for (const yes of ["true", "TRUE", "1", "yes"]) {
    process.env[NAME] = yes;
    expect(boolEnv(NAME)).toBe(true);
  }
  process.env[NAME] = "maybe";
  expect(() => boolEnv(NAME)).toThrow(ConfigError);
});
