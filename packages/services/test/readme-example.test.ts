import { expect, it } from "vitest";
import { conversation, nested } from "./readme-example.js";

it("runs the README's nested workflow example", async () => {
  expect(await nested()).toEqual({ result: "station says Done!", progress: ["buy NVDA"] });
});

it("runs the README's conversation between two running workflows", async () => {
  expect(await conversation()).toEqual(['"buy or sell?": buy', "answered"]);
});
