// Copies the vendored front-end packages into Django's static folder.
// Run by `make assets`; nothing here is loaded from a CDN at run time.
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, "..", "src", "rathaus", "static", "vendor");

const copies = [
  ["@kern-ux/native/dist/kern.min.css", "kern/kern.min.css"],
  ["@kern-ux/native/dist/kern-utilities.min.css", "kern/kern-utilities.min.css"],
  ["@kern-ux/native/dist/kern-grid.min.css", "kern/kern-grid.min.css"],
  ["@kern-ux/native/dist/fonts", "kern/fonts"],
  ["@kern-ux/native/LICENSE.md", "kern/LICENSE.md"],
  ["leaflet/dist/leaflet.js", "leaflet/leaflet.js"],
  ["leaflet/dist/leaflet.js.map", "leaflet/leaflet.js.map"],
  ["leaflet/dist/leaflet.css", "leaflet/leaflet.css"],
  ["leaflet/dist/images", "leaflet/images"],
  ["leaflet/LICENSE", "leaflet/LICENSE"],
];

rmSync(target, { recursive: true, force: true });
for (const [from, to] of copies) {
  const dest = join(target, to);
  mkdirSync(dirname(dest), { recursive: true });
  cpSync(join(here, "node_modules", from), dest, { recursive: true });
}
console.log(`vendor assets copied to ${target}`);
