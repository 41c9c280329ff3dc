package ai.cocos.attestation;

import ai.cocos.api.tee.AttestationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Linux's configfs-tsm report interface ({@code /sys/kernel/config/tsm/report}, kernel 6.7+, {@code
 * CONFIG_TSM_REPORTS}; ABI in {@code Documentation/ABI/testing/configfs-tsm}), which gives a guest
 * its SEV-SNP report (provider {@code sev_guest}) or TDX quote (provider {@code tdx_guest}): create
 * an entry folder, write {@code privlevel} (SNP VMPL) and {@code inblob} (the report data), read
 * {@code outblob} (the report or quote) and {@code auxblob} (SNP: the certificate table), check
 * {@code generation} did not move while reading (another writer would have changed the request),
 * and remove the entry.
 *
 * <p>Thread-safe: each call uses its own entry.
 */
public final class ConfigfsTsm {
  /** The kernel's report folder. */
  public static final Path DEFAULT = Path.of("/sys/kernel/config/tsm/report");

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path reportDir;

  /**
   * The interface at a folder.
   *
   * @param reportDir normally {@link #DEFAULT}
   */
  public ConfigfsTsm(Path reportDir) {
    this.reportDir = Objects.requireNonNull(reportDir, "reportDir");
  }

  /**
   * What the kernel returned.
   *
   * @param provider the TSM provider, e.g. {@code sev_guest} or {@code tdx_guest}
   * @param outblob the report or quote
   * @param auxblob auxiliary data (SNP certificate table), if the provider gave any
   */
  public record Report(String provider, byte[] outblob, Optional<byte[]> auxblob) {}

  /**
   * Whether the interface exists on this machine.
   *
   * @return {@code true} if the report folder exists
   */
  public boolean available() {
    return Files.isDirectory(reportDir);
  }

  /**
   * The folder.
   *
   * @return the report folder
   */
  public Path reportDir() {
    return reportDir;
  }

  /**
   * Gets a report.
   *
   * @param inblob the report data (up to 64 bytes)
   * @param privlevel the SNP VMPL to request at, if any
   * @param expectedProvider the provider the caller needs ({@code sev_guest}, {@code tdx_guest})
   * @return the report
   * @throws AttestationException naming the missing interface or what the kernel refused
   */
  public Report get(byte[] inblob, OptionalInt privlevel, String expectedProvider)
      throws AttestationException {
    if (!available()) {
      throw new AttestationException(
          "configfs-tsm is not available: "
              + reportDir
              + " does not exist (needs a confidential"
              + " guest with Linux 6.7+ CONFIG_TSM_REPORTS and configfs mounted at"
              + " /sys/kernel/config)");
    }
    Path entry = reportDir.resolve("cocos-" + HexFormat.of().formatHex(random()));
    try {
      Files.createDirectory(entry);
    } catch (IOException e) {
      throw new AttestationException(
          "cannot create the configfs-tsm entry "
              + entry
              + ": "
              + e.getMessage()
              + " (run as root?)",
          e);
    }
    try {
      return read(entry, inblob, privlevel, expectedProvider);
    } finally {
      try {
        Files.deleteIfExists(entry);
      } catch (DirectoryNotEmptyException e) {
        // A plain folder (not configfs) keeps its files; nothing else to clean up.
      } catch (IOException e) {
        // The kernel removes the entry's attributes with the folder; a failure leaves a stale
        // entry that holds no secret.
      }
    }
  }

  /**
   * Runs the protocol on an existing entry folder.
   *
   * @param entry the entry folder
   * @param inblob the report data
   * @param privlevel the privilege level, if any
   * @param expectedProvider the provider required
   * @return the report
   * @throws AttestationException if the kernel refuses or another writer raced this one
   */
  Report read(Path entry, byte[] inblob, OptionalInt privlevel, String expectedProvider)
      throws AttestationException {
    try {
      String provider = text(entry.resolve("provider"));
      if (!provider.equals(expectedProvider)) {
        throw new AttestationException(
            "configfs-tsm provider is "
                + provider
                + ", not "
                + expectedProvider
                + ": this guest is not the platform asked for");
      }
      if (privlevel.isPresent()) {
        Files.writeString(entry.resolve("privlevel"), Integer.toString(privlevel.getAsInt()));
      }
      Files.write(entry.resolve("inblob"), inblob);
      String before = text(entry.resolve("generation"));
      byte[] out = Files.readAllBytes(entry.resolve("outblob"));
      Optional<byte[]> aux = Optional.empty();
      try {
        byte[] a = Files.readAllBytes(entry.resolve("auxblob"));
        if (a.length > 0) {
          aux = Optional.of(a);
        }
      } catch (NoSuchFileException e) {
        // Not every provider has auxiliary data.
      }
      String after = text(entry.resolve("generation"));
      if (!before.equals(after)) {
        throw new AttestationException(
            "another process changed the configfs-tsm request while"
                + " the report was read (generation "
                + before
                + " → "
                + after
                + "); retry");
      }
      if (out.length == 0) {
        throw new AttestationException("configfs-tsm returned an empty report");
      }
      return new Report(provider, out, aux);
    } catch (IOException e) {
      throw new AttestationException(
          "configfs-tsm refused the request at " + entry + ": " + e.getMessage(), e);
    }
  }

  private static String text(Path p) throws IOException {
    return new String(Files.readAllBytes(p), StandardCharsets.US_ASCII).trim();
  }

  private static byte[] random() {
    byte[] b = new byte[8];
    RANDOM.nextBytes(b);
    return b;
  }
}
