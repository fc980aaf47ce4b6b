// Copy the minified browser builds of Ouvert's front-end packages into
// src/ouvert/static/vendor/ (gitignored). Plain Node, no bundler: the files are
// served by Django/whitenoise, so nothing is loaded from a CDN at run time.
//
// Usage: node scripts/build-static.mjs   (after `npm ci`)
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const modules = join(root, "node_modules");
const vendor = join(root, "src", "ouvert", "static", "vendor");

// [package, file inside the package, name under static/vendor/]
const FILES = [
  ["htmx.org", "dist/htmx.min.js", "htmx.min.js"],
  ["vega", "build/vega.min.js", "vega.min.js"],
  ["vega-lite", "build/vega-lite.min.js", "vega-lite.min.js"],
  ["vega-embed", "build/vega-embed.min.js", "vega-embed.min.js"],
  // MapLibre GL (maps of the geo module): the UMD build (one file, its worker inlined) and its CSS.
  ["maplibre-gl", "dist/maplibre-gl.js", "maplibre-gl.js"],
  ["maplibre-gl", "dist/maplibre-gl.css", "maplibre-gl.css"],
];

function packageVersion(name) {
  return JSON.parse(readFileSync(join(modules, name, "package.json"), "utf8")).version;
}

mkdirSync(vendor, { recursive: true });
const manifest = {};
let missing = 0;
for (const [pkg, file, target] of FILES) {
  const source = join(modules, pkg, file);
  if (!existsSync(source)) {
    console.error(`build-static: ${source} is missing; run \`npm ci\` first.`);
    missing += 1;
    continue;
  }
  // Strip the sourceMappingURL comment: the .map files are not shipped, and a
  // dangling reference makes whitenoise's manifest storage fail at collectstatic.
  const text = readFileSync(source, "utf8").replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, "\n");
  writeFileSync(join(vendor, target), text);
  manifest[target] = `${pkg}@${packageVersion(pkg)}`;
}
if (missing) {
  process.exit(1);
}
for (const licence of ["LICENSE", "LICENSE.md", "LICENSE.txt"]) {
  for (const [pkg] of FILES) {
    const source = join(modules, pkg, licence);
    if (existsSync(source)) copyFileSync(source, join(vendor, `${pkg}.LICENSE.txt`));
  }
}
writeFileSync(join(vendor, "versions.json"), JSON.stringify(manifest, null, 2) + "\n");
console.log(`build-static: ${Object.keys(manifest).length} files copied to ${vendor}`);
for (const [target, version] of Object.entries(manifest)) console.log(`  ${target}  ${version}`);
