// What goes wrong: the race against a second scenario, aborts from every day, and the diff of two scenarios.
import { $, el } from "./ui.js";

export function init(params) {}

export function show() {}
