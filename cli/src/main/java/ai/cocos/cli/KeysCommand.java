package ai.cocos.cli;

import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cocos-cli keys}: generates a key pair and writes it as PEM files. */
@Command(
    name = "keys",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    sortSynopsis = false,
    header = "Generate a key pair for signing uploads, result downloads and manifests.",
    descriptionHeading = "%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "Writes "
          + KeysCommand.PRIVATE_FILE
          + " (PKCS#8 'PRIVATE KEY', file mode 0600) and "
          + KeysCommand.PUBLIC_FILE
          + " (SPKI 'PUBLIC KEY') into the output directory, and"
          + " prints their paths, the key type and the fingerprint of the public key (SHA-256 of"
          + " it, first 16 hex digits, as 'manifest validate' names parties).",
      "",
      "Give "
          + KeysCommand.PUBLIC_FILE
          + " to whoever writes the computation's manifest; keep "
          + KeysCommand.PRIVATE_FILE
          + " to yourself. Both are standard PEM files that openssl"
          + " and CocosAI's tools read."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  cocos-cli keys                                RSA-4096 in ./",
      "  cocos-cli keys -k ed25519 -o keys/hospital-a  Ed25519 in keys/hospital-a/"
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the key files were written",
      "1:a key file exists already (use --force) or the files cannot be written",
      "2:usage error"
    })
final class KeysCommand extends LocalCommand {
  /** The private key's file name, as CocosAI's {@code keys} writes it. */
  static final String PRIVATE_FILE = "private.pem";

  /** The public key's file name, as CocosAI's {@code keys} writes it. */
  static final String PUBLIC_FILE = "public.pem";

  @Option(
      names = {"-k", "--key-type"},
      paramLabel = "TYPE",
      defaultValue = "rsa",
      converter = KeyTypeConverter.class,
      description = "rsa (RSA-4096, the default; takes a few seconds), ecdsa (P-256) or ed25519.")
  KeyType keyType;

  @Option(
      names = {"-o", "--output-dir"},
      paramLabel = "DIR",
      defaultValue = ".",
      description = "Directory to write the two files to; created if missing (default: current).")
  Path outputDir;

  @Option(
      names = "--force",
      description = "Replace existing key files. The old private key is lost for good.")
  boolean force;

  @Option(names = "--json", description = "Print the result as one JSON object.")
  boolean json;

  @Override
  int run() throws Failure {
    Path privateFile = outputDir.resolve(PRIVATE_FILE);
    Path publicFile = outputDir.resolve(PUBLIC_FILE);
    prepareDirectory();
    if (!force) {
      for (Path p : new Path[] {privateFile, publicFile}) {
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
          throw new Failure(
              p
                  + " already exists: choose another directory with -o, or give --force to"
                  + " replace the key pair (the old private key is then lost)");
        }
      }
    }

    KeyPair pair = PemKeys.generate(keyType);
    byte[] privatePem = PemKeys.toPem(pair.getPrivate()).getBytes(StandardCharsets.US_ASCII);
    LocalFiles.write(privateFile, privatePem, true, force);
    try {
      LocalFiles.write(
          publicFile,
          PemKeys.toPem(pair.getPublic()).getBytes(StandardCharsets.US_ASCII),
          false,
          force);
    } catch (Failure e) {
      if (!force) {
        // Do not leave a private key whose public half nobody has.
        try {
          Files.deleteIfExists(privateFile);
        } catch (IOException ignored) {
          // The message below still says what failed.
        }
      }
      throw e;
    }

    String type = PemKeys.describe(pair.getPublic());
    String fingerprint = PemKeys.fingerprint(pair.getPublic());
    PrintWriter out = out();
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("type", type);
      result.put("fingerprint", fingerprint);
      result.put("private_key", privateFile.toAbsolutePath().normalize().toString());
      result.put("public_key", publicFile.toAbsolutePath().normalize().toString());
      JsonOut.print(out, result);
      return 0;
    }
    out.println("Generated " + type + " key pair, fingerprint " + fingerprint + ".");
    out.println(
        "Private key: "
            + privateFile.toAbsolutePath().normalize()
            + "  (mode 0600; keep it secret, never send it)");
    out.println("Public key:  " + publicFile.toAbsolutePath().normalize());
    out.flush();
    return 0;
  }

  private void prepareDirectory() throws Failure {
    if (Files.isDirectory(outputDir)) {
      return;
    }
    if (Files.exists(outputDir)) {
      throw new Failure("-o " + outputDir + ": not a directory");
    }
    try {
      Files.createDirectories(outputDir);
    } catch (IOException e) {
      throw new Failure(
          "-o " + outputDir + ": cannot create the directory: " + LocalFiles.problem(e, outputDir));
    }
  }
}
