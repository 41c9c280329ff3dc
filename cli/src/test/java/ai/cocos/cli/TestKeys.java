package ai.cocos.cli;

import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Real key files and the real openssl for the tests. */
final class TestKeys {
  /** The openssl binary the tests compare against. */
  static final String OPENSSL = "/usr/bin/openssl";

  private TestKeys() {}

  /**
   * A party's key pair written as {@code DIR/private.pem} and {@code DIR/public.pem}.
   *
   * @param pair the keys
   * @param privateFile the private key file
   * @param publicFile the public key file
   */
  record Party(KeyPair pair, Path privateFile, Path publicFile) {
    String fingerprint() {
      return PemKeys.fingerprint(pair.getPublic());
    }
  }

  static Party party(Path dir, KeyType type) throws IOException {
    Files.createDirectories(dir);
    KeyPair pair = PemKeys.generate(type);
    Path priv = dir.resolve("private.pem");
    Path pub = dir.resolve("public.pem");
    Files.writeString(priv, PemKeys.toPem(pair.getPrivate()), StandardCharsets.US_ASCII);
    Files.writeString(pub, PemKeys.toPem(pair.getPublic()), StandardCharsets.US_ASCII);
    return new Party(pair, priv, pub);
  }

  /**
   * The outcome of running a program.
   *
   * @param exitCode its exit code
   * @param output standard output and error, merged
   */
  record Result(int exitCode, String output) {}

  static Result openssl(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(OPENSSL);
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("openssl did not finish: " + command);
    }
    return new Result(p.exitValue(), output);
  }
}
