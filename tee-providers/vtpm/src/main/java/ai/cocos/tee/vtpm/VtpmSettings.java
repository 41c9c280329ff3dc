package ai.cocos.tee.vtpm;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How the vTPM providers reach the TPM when gathering evidence. Verification needs none of this.
 *
 * @param device the TPM: a character device ({@code /dev/tpmrm0}, the kernel's resource manager) or
 *     {@code unix:<path>} for a software TPM's socket (swtpm {@code --server type=unixio})
 * @param eventLog the firmware event log to attach, if the file exists
 * @param akAlgorithm {@code rsa} (RSA-2048 RSASSA-SHA256, CocosAI's default AK) or {@code ecc}
 *     (P-256 ECDSA-SHA256), for an AK created as a primary key in the owner hierarchy
 * @param akHandle a persistent AK handle to use instead of creating one (0 = create), e.g. {@code
 *     0x81000003} on Azure confidential VMs
 * @param akCertNvIndex an NV index holding the AK certificate to attach (0 = none), e.g. {@code
 *     0x01c10000} on Google Compute Engine
 * @param banks the PCR banks to quote ({@code sha1}, {@code sha256}, {@code sha384}, {@code
 *     sha512}), one quote each, the first being the evidence's report
 */
public record VtpmSettings(
    String device,
    Path eventLog,
    String akAlgorithm,
    long akHandle,
    long akCertNvIndex,
    List<String> banks) {

  /** The kernel's TPM resource manager device. */
  public static final String DEFAULT_DEVICE = "/dev/tpmrm0";

  /** Where Linux exposes the firmware's TCG event log. */
  public static final Path DEFAULT_EVENT_LOG =
      Path.of("/sys/kernel/security/tpm0/binary_bios_measurements");

  /** Validates. */
  public VtpmSettings {
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(eventLog, "eventLog");
    Objects.requireNonNull(akAlgorithm, "akAlgorithm");
    if (device.isBlank()) {
      throw new IllegalArgumentException("device must name a TPM device or unix:<socket>");
    }
    akAlgorithm = akAlgorithm.toLowerCase(Locale.ROOT);
    if (!akAlgorithm.equals("rsa") && !akAlgorithm.equals("ecc")) {
      throw new IllegalArgumentException(
          "akAlgorithm must be rsa or ecc, not '" + akAlgorithm + "'");
    }
    if (akHandle != 0 && (akHandle >>> 24) != 0x81) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT, "akHandle 0x%x is not a persistent handle (0x81......)", akHandle));
    }
    if (akCertNvIndex != 0 && (akCertNvIndex >>> 24) != 0x01) {
      throw new IllegalArgumentException(
          String.format(
              Locale.ROOT, "akCertNvIndex 0x%x is not an NV index (0x01......)", akCertNvIndex));
    }
    banks = List.copyOf(banks);
    if (banks.isEmpty()) {
      throw new IllegalArgumentException("banks must name at least one PCR bank");
    }
    for (String b : banks) {
      if (!List.of("sha1", "sha256", "sha384", "sha512").contains(b.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException(
            "unknown PCR bank '" + b + "': expected sha1, sha256, sha384 or sha512");
      }
    }
  }

  /**
   * The defaults: {@code /dev/tpmrm0}, the kernel's event log, a fresh RSA AK, the SHA-256 bank.
   *
   * @return the default settings
   */
  public static VtpmSettings defaults() {
    return new VtpmSettings(DEFAULT_DEVICE, DEFAULT_EVENT_LOG, "rsa", 0, 0, List.of("sha256"));
  }

  /**
   * The same settings with another device.
   *
   * @param device a device path or {@code unix:<socket>}
   * @return the new settings
   */
  public VtpmSettings withDevice(String device) {
    return new VtpmSettings(device, eventLog, akAlgorithm, akHandle, akCertNvIndex, banks);
  }

  /**
   * The same settings with a persistent attestation key.
   *
   * @param handle a persistent handle (0x81......), or 0 to create a primary key
   * @return the new settings
   */
  public VtpmSettings withAkHandle(long handle) {
    return new VtpmSettings(device, eventLog, akAlgorithm, handle, akCertNvIndex, banks);
  }

  /**
   * The same settings with other PCR banks.
   *
   * @param banks the banks to quote, the first being the report
   * @return the new settings
   */
  public VtpmSettings withBanks(List<String> banks) {
    return new VtpmSettings(device, eventLog, akAlgorithm, akHandle, akCertNvIndex, banks);
  }

  /**
   * The same settings with another event log file.
   *
   * @param eventLog the file (attached if it exists)
   * @return the new settings
   */
  public VtpmSettings withEventLog(Path eventLog) {
    return new VtpmSettings(device, eventLog, akAlgorithm, akHandle, akCertNvIndex, banks);
  }

  /**
   * The same settings with another AK algorithm.
   *
   * @param algorithm {@code rsa} or {@code ecc}
   * @return the new settings
   */
  public VtpmSettings withAkAlgorithm(String algorithm) {
    return new VtpmSettings(device, eventLog, algorithm, akHandle, akCertNvIndex, banks);
  }
}
