// An independent check of relman's Sigstore bundles: sigstore-js's own
// verifier (@sigstore/verify, the npm packages npm's provenance uses), given
// a trusted_root.json. The sigstore CLIs take no trusted root from a file,
// hence this script.
// Usage: node tests/tools/sigstore-verify.cjs TRUSTED_ROOT IDENTITY ISSUER FILE...
// (each FILE with FILE.sigstore beside it). Prints one line per file; exit 1
// when any bundle is rejected.
// The loopback stand-in issues certificates without embedded SCTs (its
// trust root lists no CT log), so no SCT is required (ctlogThreshold 0);
// everything else is sigstore-js's default policy.
const fs = require("fs");
const path = require("path");
const { execSync } = require("child_process");

function load(name) {
  try {
    return require(name);
  } catch (e) {
    const root = process.env.RELMAN_NPM_ROOT || execSync("npm root -g").toString().trim();
    try {
      return require(path.join(root, name));
    } catch (e2) {
      return require(path.join(root, "@sigstore/verify/node_modules", name));
    }
  }
}

const { bundleFromJSON } = load("@sigstore/bundle");
const { TrustedRoot } = load("@sigstore/protobuf-specs");
const { toSignedEntity, toTrustMaterial, Verifier } = load("@sigstore/verify");

const [rootFile, identity, issuer, ...files] = process.argv.slice(2);
if (!files.length) {
  console.error("usage: sigstore-verify.cjs TRUSTED_ROOT IDENTITY ISSUER FILE...");
  process.exit(2);
}
const trust = toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(rootFile, "utf8"))));
const verifier = new Verifier(trust, { ctlogThreshold: 0, tlogThreshold: 1, timestampThreshold: 1 });
let bad = 0;
for (const file of files) {
  try {
    const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(file + ".sigstore", "utf8")));
    const signer = verifier.verify(toSignedEntity(bundle, fs.readFileSync(file)), {
      subjectAlternativeName: identity,
      extensions: { issuer },
    });
    console.log(`OK ${path.basename(file)}: ${signer.identity.subjectAlternativeName} (${signer.identity.extensions.issuer})`);
  } catch (e) {
    bad++;
    console.log(`REJECTED ${path.basename(file)}: ${e.code || e.name}: ${e.message}`);
  }
}
process.exit(bad ? 1 : 0);
