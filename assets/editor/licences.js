// Prints the licence of every package the bundle holds (those under node_modules that
// editor.js reaches), for ../vendor/sql-editor.LICENSES.txt.
const fs = require("fs");
const path = require("path");
const root = path.join(__dirname, "node_modules");
const names = [];
for (const entry of fs.readdirSync(root).sort()) {
  if (entry.startsWith(".")) continue;
  if (entry.startsWith("@")) {
    for (const sub of fs.readdirSync(path.join(root, entry)).sort()) names.push(entry + "/" + sub);
  } else names.push(entry);
}
const out = ["The SQL editor bundle (sql-editor.min.js) holds these packages, each under its licence.\n"];
for (const name of names) {
  if (name === "esbuild" || name.startsWith("@esbuild/")) continue; // the bundler, not bundled
  const dir = path.join(root, name);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  const file = fs.readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  out.push("=".repeat(78));
  out.push(`${name} ${pkg.version} (${pkg.license})`);
  out.push("=".repeat(78));
  out.push(file ? fs.readFileSync(path.join(dir, file), "utf8").trim() : `${pkg.license} (no licence file shipped)`);
  out.push("");
}
process.stdout.write(out.join("\n") + "\n");
