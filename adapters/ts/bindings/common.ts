/**
 * Helpers the bindings share: finding an implementation's files and version, naming what it threw, and writing JSON
 * values as JavaScript source for snippets.
 */

import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

export function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The exports of the module at `entry`: its own, or those of its default export when it was
 * compiled to CommonJS (then `name`, one export it must have, is not among its own).
 */
export async function importExports(entry: string, name: string): Promise<Record<string, unknown>> {
  const module = (await import(pathToFileURL(entry).href)) as Record<string, unknown>;
  if (typeof module[name] !== "function" && typeof module.default === "object" && module.default !== null) {
    return module.default as Record<string, unknown>;
  }
  return module;
}

/** The version in the package.json nearest to `entry`, or "unknown". */
export function packageVersion(entry: string): string {
  for (let dir = path.dirname(entry); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (isFile(manifest)) {
      try {
        const version = (JSON.parse(readFileSync(manifest, "utf8")) as { version?: unknown }).version;
        return typeof version === "string" && version !== "" ? version : "unknown";
      } catch {
        return "unknown";
      }
    }
    if (path.dirname(dir) === dir) return "unknown";
  }
}

/**
 * A JSON value as a JavaScript literal: its JSON text, with invisible and line-breaking
 * characters escaped (U+2028 would end a `//` comment; a bidi control would hide code). A value
 * holding a `__proto__` key goes through JSON.parse, which keeps it an own property.
 */
export function jsLiteral(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return "undefined";
  return escapeInvisible(hasProtoKey(value) ? `JSON.parse(${JSON.stringify(text)})` : text);
}

export function escapeInvisible(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Zs}\p{Co}\p{Cn}]/gu, (ch) => {
    if (ch === " ") return ch;
    let escaped = "";
    for (let i = 0; i < ch.length; i++) escaped += `\\u${ch.charCodeAt(i).toString(16).padStart(4, "0")}`;
    return escaped;
  });
}

export function hasProtoKey(value: unknown): boolean {
  const pending = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item !== "object" || item === null) continue;
    if (!Array.isArray(item) && Object.prototype.hasOwnProperty.call(item, "__proto__")) return true;
    for (const child of Object.values(item)) pending.push(child);
  }
  return false;
}

/** `.name`, unless it is only the inherited "Error": then the constructor's name. */
export function errorType(error: unknown): string {
  if ((typeof error === "object" && error !== null) || typeof error === "function") {
    const name = (error as { name?: unknown }).name;
    const ctor = (error as { constructor?: { name?: unknown } }).constructor;
    if (typeof name === "string" && name !== "" && name !== "Error") return name;
    if (typeof ctor?.name === "string" && ctor.name !== "") return ctor.name;
    return typeof name === "string" ? name : "Object";
  }
  return typeof error;
}

export function errorMessage(error: unknown): string {
  if (typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string") {
    return (error as { message: string }).message;
  }
  try {
    return String(error);
  } catch {
    return "";
  }
}
