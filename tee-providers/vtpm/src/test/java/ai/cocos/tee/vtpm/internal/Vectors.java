package ai.cocos.tee.vtpm.internal;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shared attestation vectors, read in place (never copied into the repository): {@code
 * /work/shared/attestation-vectors}, or the folder named by {@code COCOS_ATTESTATION_VECTORS}. A
 * missing folder fails the test when {@code CI} is set and skips it otherwise.
 */
public final class Vectors {
  private Vectors() {}

  /**
   * The vectors folder.
   *
   * @return its path
   */
  public static Path root() {
    String env = System.getenv("COCOS_ATTESTATION_VECTORS");
    Path root = Path.of(env != null && !env.isBlank() ? env : "/work/shared/attestation-vectors");
    if (!Files.isDirectory(root.resolve("tpm"))) {
      String msg =
          "attestation vectors not found at "
              + root
              + " (set COCOS_ATTESTATION_VECTORS to the folder holding tpm/, snp/, tdx/, roots/)";
      if (System.getenv("CI") != null) {
        fail(msg);
      }
      assumeTrue(false, msg);
    }
    return root;
  }

  /**
   * A vector file's bytes.
   *
   * @param relative path below the vectors folder
   * @return the bytes
   */
  public static byte[] read(String relative) {
    try {
      return Files.readAllBytes(root().resolve(relative));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A vector file's text.
   *
   * @param relative path below the vectors folder
   * @return the text (UTF-8)
   */
  public static String text(String relative) {
    return new String(read(relative), java.nio.charset.StandardCharsets.UTF_8);
  }
}
