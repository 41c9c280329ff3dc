package ai.cocos.tee.tdx.internal;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shared attestation vectors, read in place (never copied into the repository): {@code
 * /work/shared/attestation-vectors}, or {@code COCOS_ATTESTATION_VECTORS}. Missing vectors fail the
 * test when {@code CI} is set and skip it otherwise.
 */
public final class Vectors {
  static final String ENV = "COCOS_ATTESTATION_VECTORS";
  static final Path DEFAULT = Path.of("/work/shared/attestation-vectors");

  private Vectors() {}

  /** The vectors folder; fails (CI) or skips the calling test if it is missing. */
  static Path root() {
    String env = System.getenv(ENV);
    Path root = env == null || env.isBlank() ? DEFAULT : Path.of(env);
    if (!Files.isRegularFile(root.resolve("README.md"))) {
      String why =
          "attestation vectors not found at " + root + " (set " + ENV + " to their folder)";
      if (System.getenv("CI") != null) {
        fail(why);
      }
      assumeTrue(false, why);
    }
    return root;
  }

  /** A vector file's bytes. */
  public static byte[] read(String relative) {
    try {
      return Files.readAllBytes(root().resolve(relative));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
