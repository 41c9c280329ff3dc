package ai.cocos.cli;

import ai.cocos.api.computation.Manifest;
import ai.cocos.crypto.KeyFormatException;
import ai.cocos.crypto.PemKeys;
import ai.cocos.manifest.ManifestSignature;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cocos-cli manifest sign}: the computation owner's detached signature. */
@Command(
    name = "sign",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    sortSynopsis = false,
    header = "Sign a manifest as the computation owner (a detached signature file).",
    descriptionHeading = "%n",
    parameterListHeading = "%nArguments:%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "Checks the manifest, then signs its canonical form (prefixed with the line"
          + " 'cocos-manifest-v1', so the signature cannot be mistaken for any other) and writes"
          + " the signature as one line of base64. Reformatting the JSON does not break the"
          + " signature; changing any value does.",
      "",
      "Agents configured with the owner's public key accept only manifests whose signature"
          + " verifies; check one yourself with 'manifest verify'. RSA signs with PKCS#1 v1.5"
          + " and SHA-256, ECDSA with SHA-256, Ed25519 the message itself."
    },
    footerHeading = "%nExample:%n",
    footer = {"  cocos-cli manifest sign manifest.json --key owner/private.pem"},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the signature was written",
      "1:the manifest is invalid, the key unusable, or the output exists (use --force)",
      "2:usage error"
    })
final class ManifestSignCommand extends LocalCommand {
  @Parameters(paramLabel = "MANIFEST", description = "The manifest file (JSON).")
  Path file;

  @Option(
      names = {"-k", "--key"},
      paramLabel = "PRIVATE_KEY.pem",
      required = true,
      description = "The owner's private key (PEM: PKCS#8, SEC1 or PKCS#1; unencrypted).")
  Path key;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      description = "Where to write the signature (default: MANIFEST.sig).")
  Path output;

  @Option(names = "--force", description = "Replace the signature file if it exists.")
  boolean force;

  @Option(names = "--json", description = "Print the result as one JSON object.")
  boolean json;

  @Override
  int run() throws Failure {
    Path target = output != null ? output : Path.of(file + ".sig");
    Manifest manifest = ManifestFiles.read(file);
    KeyPair owner = LocalFiles.readPrivateKey(key, "--key " + key);
    byte[] signature;
    try {
      signature = ManifestSignature.sign(manifest, owner.getPrivate());
    } catch (KeyFormatException e) {
      throw new Failure("--key " + key + ": " + e.getMessage());
    }
    String line = Base64.getEncoder().encodeToString(signature) + "\n";
    LocalFiles.write(target, line.getBytes(StandardCharsets.US_ASCII), false, force);

    String fingerprint = PemKeys.fingerprint(owner.getPublic());
    String type = PemKeys.describe(owner.getPublic());
    String measurement = ManifestSignature.digest(manifest).hex();
    PrintWriter out = out();
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("manifest", file.toString());
      result.put("signature", target.toString());
      result.put("id", manifest.id());
      result.put("measurement", measurement);
      result.put("owner_key", fingerprint);
      result.put("owner_key_type", type);
      JsonOut.print(out, result);
      return 0;
    }
    out.println(
        "Wrote "
            + target
            + ": signature of manifest '"
            + manifest.id()
            + "' (measurement "
            + measurement
            + ") by owner key "
            + fingerprint
            + " ("
            + type
            + ").");
    out.println(
        "Check it with: cocos-cli manifest verify "
            + file
            + " --signature "
            + target
            + " --owner-key OWNER_PUBLIC.pem");
    out.flush();
    return 0;
  }
}
