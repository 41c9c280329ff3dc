package ai.cocos.cli;

import ai.cocos.api.computation.Manifest;
import ai.cocos.crypto.PemKeys;
import ai.cocos.manifest.ManifestException;
import ai.cocos.manifest.ManifestSignature;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cocos-cli manifest verify}: checks the owner's signature as an agent does. */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    sortSynopsis = false,
    header = "Verify a manifest's owner signature, as an agent does.",
    descriptionHeading = "%n",
    parameterListHeading = "%nArguments:%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "Checks the manifest, reads the signature ('manifest sign' output: one line of base64)"
          + " and verifies it over the manifest's canonical form with the owner's public key."
          + " Fails closed: an invalid manifest, an empty or unreadable signature, or a key of"
          + " another type all fail."
    },
    footerHeading = "%nExample:%n",
    footer = {
      "  cocos-cli manifest verify manifest.json --owner-key owner/public.pem",
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the signature is the owner's, over this manifest",
      "1:it is not, or the manifest, signature or key cannot be read",
      "2:usage error"
    })
final class ManifestVerifyCommand extends LocalCommand {
  /** A signature of the largest RSA key, in base64, is far below this. */
  private static final int MAX_SIGNATURE_FILE_BYTES = 64 * 1024;

  @Parameters(paramLabel = "MANIFEST", description = "The manifest file (JSON).")
  Path file;

  @Option(
      names = {"-s", "--signature"},
      paramLabel = "FILE",
      description = "The signature file (default: MANIFEST.sig).")
  Path signature;

  @Option(
      names = {"-k", "--owner-key"},
      paramLabel = "PUBLIC_KEY.pem",
      required = true,
      description = "The computation owner's public key.")
  Path ownerKey;

  @Option(
      names = "--json",
      description =
          "Print one JSON object with \"verified\" (true or false) and, if false, \"reason\".")
  boolean json;

  @Override
  int run() throws Failure {
    Path sigFile = signature != null ? signature : Path.of(file + ".sig");
    Manifest manifest = ManifestFiles.read(file);
    PublicKey owner = LocalFiles.readPublicKey(ownerKey, "--owner-key " + ownerKey);
    String text =
        LocalFiles.readText(sigFile, "signature " + sigFile, MAX_SIGNATURE_FILE_BYTES).strip();
    byte[] sig;
    try {
      sig = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new Failure(
          "signature "
              + sigFile
              + ": not base64 text; 'manifest sign' writes one line of base64 (for a raw"
              + " signature file: base64 -w0 FILE)");
    }

    String reason = null;
    try {
      ManifestSignature.check(
          manifest, sig.length == 0 ? Optional.empty() : Optional.of(sig), Optional.of(owner));
    } catch (ManifestException e) {
      reason = e.getMessage();
    }
    String fingerprint = PemKeys.fingerprint(owner);
    String type = PemKeys.describe(owner);
    String measurement = ManifestSignature.digest(manifest).hex();
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("manifest", file.toString());
      result.put("signature", sigFile.toString());
      result.put("verified", reason == null);
      if (reason != null) {
        result.put("reason", reason);
      }
      result.put("id", manifest.id());
      result.put("measurement", measurement);
      result.put("owner_key", fingerprint);
      result.put("owner_key_type", type);
      JsonOut.print(out(), result);
      return reason == null ? 0 : 1;
    }
    if (reason != null) {
      throw new Failure(file + ": signature " + sigFile + " NOT verified: " + reason);
    }
    PrintWriter out = out();
    out.println(
        file
            + ": signature verified: manifest '"
            + manifest.id()
            + "' (measurement "
            + measurement
            + ") is signed by owner key "
            + fingerprint
            + " ("
            + type
            + ").");
    out.flush();
    return 0;
  }
}
