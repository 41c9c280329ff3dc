package ai.cocos.tee.snp;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The shared attestation vectors, read in place: {@code $COCOS_ATTESTATION_VECTORS}, else {@code
 * /work/shared/attestation-vectors}. Missing vectors fail the test under CI and skip it otherwise.
 */
public final class Vectors {
  private Vectors() {}

  /**
   * The vectors folder.
   *
   * @return the folder
   */
  public static Path dir() {
    String env = System.getenv("COCOS_ATTESTATION_VECTORS");
    Path d = Path.of(env != null && !env.isBlank() ? env : "/work/shared/attestation-vectors");
    if (!Files.isDirectory(d.resolve("snp"))) {
      String msg = "attestation vectors not found at " + d + " (set COCOS_ATTESTATION_VECTORS)";
      if (System.getenv("CI") != null) {
        fail(msg);
      }
      assumeTrue(false, msg);
    }
    return d;
  }

  /**
   * Reads a vector file.
   *
   * @param relative path under the vectors folder
   * @return its bytes
   * @throws IOException if unreadable
   */
  public static byte[] read(String relative) throws IOException {
    return Files.readAllBytes(dir().resolve(relative));
  }
}
