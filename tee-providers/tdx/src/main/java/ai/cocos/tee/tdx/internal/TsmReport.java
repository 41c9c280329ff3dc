package ai.cocos.tee.tdx.internal;

import ai.cocos.api.tee.AttestationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Gets a TDX quote through the Linux configfs-tsm interface (Documentation/ABI/testing/
 * configfs-tsm, Linux 6.7+): create a report entry, write the 64-byte report data to {@code
 * inblob}, read the quote from {@code outblob}, and check {@code generation} so that a concurrent
 * writer to the same entry is detected. The entry is private to this call and removed afterwards.
 */
public final class TsmReport {
  /** The provider name the TDX guest driver registers. */
  static final String TDX_PROVIDER = "tdx_guest";

  private static final int MAX_ATTEMPTS = 3;
  private static final SecureRandom RANDOM = new SecureRandom();

  private TsmReport() {}

  /**
   * Whether configfs-tsm looks usable for TDX here (the report folder exists and the TDX guest
   * device is present).
   *
   * @param reportDir the configfs-tsm report folder
   * @return {@code true} if a quote can be expected
   */
  public static boolean available(Path reportDir) {
    return Files.isDirectory(reportDir) && Files.exists(Path.of("/dev/tdx_guest"));
  }

  /**
   * Gets a quote.
   *
   * @param reportDir the configfs-tsm report folder
   * @param reportData exactly 64 bytes
   * @return the quote bytes
   * @throws AttestationException naming the interface and why it failed
   */
  public static byte[] quote(Path reportDir, byte[] reportData) throws AttestationException {
    if (reportData.length != QuoteFormat.REPORT_DATA_SIZE) {
      throw new IllegalArgumentException("TDX report data must be 64 bytes");
    }
    if (!Files.isDirectory(reportDir)) {
      throw new AttestationException(
          "TDX quote unavailable: "
              + reportDir
              + " does not exist. This is not a TDX guest, or the kernel lacks configfs-tsm"
              + " (CONFIG_TSM_REPORTS, Linux 6.7+) or configfs is not mounted at"
              + " /sys/kernel/config");
    }
    Path entry = reportDir.resolve("cocos-" + HexFormat.of().formatHex(randomName()));
    try {
      Files.createDirectory(entry);
    } catch (AccessDeniedException e) {
      throw new AttestationException(
          "TDX quote unavailable: no permission to create " + entry + " (run as root)", e);
    } catch (IOException e) {
      throw new AttestationException("TDX quote unavailable: cannot create " + entry + ": " + e, e);
    }
    try {
      String provider = readText(entry.resolve("provider"));
      if (!TDX_PROVIDER.equals(provider)) {
        throw new AttestationException(
            "configfs-tsm at "
                + reportDir
                + " is served by '"
                + provider
                + "', not by the TDX"
                + " guest driver ("
                + TDX_PROVIDER
                + "): this is not a TDX guest");
      }
      for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        Files.write(entry.resolve("inblob"), reportData);
        String before = readText(entry.resolve("generation"));
        byte[] quote = Files.readAllBytes(entry.resolve("outblob"));
        String after = readText(entry.resolve("generation"));
        if (before.equals(after)) {
          if (quote.length == 0) {
            throw new AttestationException(
                "configfs-tsm returned an empty quote: is the quote generation service (QGS) on"
                    + " the host running and reachable over vsock?");
          }
          return quote;
        }
        // Someone else wrote inblob in between: the quote may not carry our report data.
      }
      throw new AttestationException(
          "configfs-tsm entry " + entry + " kept changing under concurrent writers");
    } catch (NoSuchFileException e) {
      throw new AttestationException(
          "TDX quote unavailable: "
              + reportDir
              + " is not a configfs-tsm report folder ("
              + e.getFile()
              + " was not created)",
          e);
    } catch (IOException e) {
      throw new AttestationException(
          "TDX quote generation through " + entry + " failed: " + e.getMessage(), e);
    } finally {
      try {
        Files.deleteIfExists(entry);
      } catch (IOException e) {
        // configfs removes the entry's attribute files with it; a leftover entry is harmless.
      }
    }
  }

  private static byte[] randomName() {
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    return b;
  }

  private static String readText(Path p) throws IOException {
    return new String(Files.readAllBytes(p), StandardCharsets.US_ASCII).trim();
  }
}
